/**
 * The designer's keyboard shortcuts, as data (for the handler and the help sheet). `mod` is
 * Ctrl, or ⌘ on a Mac.
 */
export type ShortcutAction =
  | "undo" | "redo" | "copy" | "paste" | "duplicate" | "delete" | "selectAll" | "layout" | "fit" | "save" | "help";

export interface Shortcut {
  action: ShortcutAction;
  keys: string[];
  /** Changes the chain: not offered to viewers. */
  edits: boolean;
}

export const SHORTCUTS: Shortcut[] = [
  { action: "undo", keys: ["mod+z"], edits: true },
  { action: "redo", keys: ["mod+shift+z", "mod+y"], edits: true },
  { action: "copy", keys: ["mod+c"], edits: false },
  { action: "paste", keys: ["mod+v"], edits: true },
  { action: "duplicate", keys: ["mod+d"], edits: true },
  { action: "delete", keys: ["delete", "backspace"], edits: true },
  { action: "selectAll", keys: ["mod+a"], edits: false },
  { action: "layout", keys: ["mod+shift+l"], edits: true },
  { action: "fit", keys: ["shift+1"], edits: false },
  { action: "save", keys: ["mod+s"], edits: true },
  { action: "help", keys: ["?"], edits: false },
];

/** The key combination of a keyboard event, in the notation of SHORTCUTS. */
export function comboOf(event: Pick<KeyboardEvent, "key" | "ctrlKey" | "metaKey" | "shiftKey" | "altKey">): string {
  const key = event.key === "!" ? "1" : event.key.toLowerCase();
  if (key === "?") return "?";
  const parts = [];
  if (event.ctrlKey || event.metaKey) parts.push("mod");
  if (event.altKey) parts.push("alt");
  if (event.shiftKey) parts.push("shift");
  parts.push(key);
  return parts.join("+");
}

export function shortcutFor(combo: string): Shortcut | undefined {
  return SHORTCUTS.find((shortcut) => shortcut.keys.includes(combo));
}

/** Keys typed into a text box belong to the text box. */
export function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName);
}
