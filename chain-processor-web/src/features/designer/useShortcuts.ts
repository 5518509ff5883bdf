/** Wire SHORTCUTS to the canvas store and the page's own commands while the designer is open. */
import { useEffect } from "react";
import { useCanvasStore } from "../../stores/canvasStore";
import { comboOf, isTyping, shortcutFor, type ShortcutAction } from "./shortcuts";

export interface PageCommands {
  save: () => void;
  help: () => void;
  fit: () => void;
}

export function runShortcut(action: ShortcutAction, commands: PageCommands): void {
  const actions = useCanvasStore.getState().actions;
  const table: Record<ShortcutAction, () => void> = {
    undo: actions.undo,
    redo: actions.redo,
    copy: actions.copy,
    paste: actions.paste,
    duplicate: actions.duplicate,
    delete: actions.deleteSelected,
    selectAll: actions.selectAll,
    layout: actions.autoLayout,
    fit: commands.fit,
    save: commands.save,
    help: commands.help,
  };
  table[action]();
}

export function useShortcuts(commands: PageCommands, readOnly: boolean): void {
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (isTyping(event.target)) return;
      if (event.target instanceof Element && event.target.closest("[role=dialog]")) return;
      const shortcut = shortcutFor(comboOf(event));
      if (!shortcut || (readOnly && shortcut.edits)) return;
      event.preventDefault();
      runShortcut(shortcut.action, commands);
    };
    document.addEventListener("keydown", onKeyDown);
    return () => document.removeEventListener("keydown", onKeyDown);
  }, [commands, readOnly]);
}
