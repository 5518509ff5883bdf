/**
 * The pseudo-locale: every English string with accented letters, stretched and bracketed, so a
 * string that shows up plain on screen was not translated. `{{placeholders}}` and `<tags>` are
 * kept as they are.
 */
const ACCENTS: Record<string, string> = {
  a: "á", b: "ƀ", c: "ç", d: "ð", e: "é", f: "ƒ", g: "ĝ", h: "ĥ", i: "í", j: "ĵ", k: "ķ", l: "ĺ",
  m: "ɱ", n: "ñ", o: "ó", p: "þ", P: "Þ", r: "ŕ", s: "š", t: "ţ", u: "ú", w: "ŵ", y: "ý", z: "ž",
  A: "Á", B: "Ɓ", C: "Ç", D: "Ð", E: "É", G: "Ĝ", H: "Ĥ", I: "Í", J: "Ĵ", K: "Ķ", L: "Ĺ",
  N: "Ñ", O: "Ó", R: "Ŕ", S: "Š", T: "Ţ", U: "Ú", W: "Ŵ", Y: "Ý", Z: "Ž",
};

export function pseudoString(text: string): string {
  const parts = text.split(/(\{\{[^}]+\}\}|<[^>]+>)/);
  const accented = parts
    .map((part, index) => (index % 2 === 1 ? part : [...part].map((ch) => ACCENTS[ch] ?? ch).join("")))
    .join("");
  return `[${accented}]`;
}

export type Messages = { [key: string]: string | Messages };

export function pseudoMessages(messages: Messages): Messages {
  return Object.fromEntries(
    Object.entries(messages).map(([key, value]) => [
      key,
      typeof value === "string" ? pseudoString(value) : pseudoMessages(value),
    ]),
  );
}
