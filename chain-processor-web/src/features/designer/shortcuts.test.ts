import { comboOf, isTyping, shortcutFor } from "./shortcuts";

const key = (k: string, mods: Partial<Record<"ctrlKey" | "metaKey" | "shiftKey" | "altKey", boolean>> = {}) =>
  ({ key: k, ctrlKey: false, metaKey: false, shiftKey: false, altKey: false, ...mods });

describe("shortcuts", () => {
  it("names key combinations", () => {
    expect(comboOf(key("z", { ctrlKey: true }))).toBe("mod+z");
    expect(comboOf(key("Z", { metaKey: true, shiftKey: true }))).toBe("mod+shift+z");
    expect(comboOf(key("!", { shiftKey: true }))).toBe("shift+1");
    expect(comboOf(key("?", { shiftKey: true }))).toBe("?");
    expect(comboOf(key("Delete"))).toBe("delete");
    expect(comboOf(key("x", { altKey: true }))).toBe("alt+x");
  });

  it("finds the action of a combination", () => {
    expect(shortcutFor("mod+y")?.action).toBe("redo");
    expect(shortcutFor("backspace")?.action).toBe("delete");
    expect(shortcutFor("mod+q")).toBeUndefined();
  });

  it("leaves keys typed into text boxes alone", () => {
    expect(isTyping(document.createElement("input"))).toBe(true);
    expect(isTyping(document.createElement("div"))).toBe(false);
    expect(isTyping(null)).toBe(false);
  });
});
