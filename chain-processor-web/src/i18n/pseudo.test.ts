import i18n from "./index";
import { en } from "./en";
import { pseudoMessages, pseudoString } from "./pseudo";
import { formatters } from "./format";

describe("pseudo-locale", () => {
  it("accents and brackets text but keeps placeholders", () => {
    expect(pseudoString("Step {{index}}: <b>ok</b>")).toBe("[Šţéþ {{index}}: <b>óķ</b>]");
  });

  it("covers every English key", () => {
    const keys = (messages: object, prefix = ""): string[] =>
      Object.entries(messages).flatMap(([key, value]) =>
        typeof value === "string" ? [prefix + key] : keys(value as object, `${prefix}${key}.`),
      );
    expect(keys(pseudoMessages(en))).toEqual(keys(en));
  });

  it("is what t() returns in the pseudo language", async () => {
    await i18n.changeLanguage("pseudo");
    expect(i18n.t("app.name")).toBe("[Çĥáíñ Þŕóçéššóŕ]");
    await i18n.changeLanguage("en");
    expect(i18n.t("app.name")).toBe("Chain Processor");
  });
});

describe("formatters", () => {
  it("formats numbers, durations and dates by locale", () => {
    const en = formatters("en");
    expect(en.number(1234.5)).toBe("1,234.5");
    expect(en.duration(250)).toBe("250 ms");
    expect(en.percent(2 / 3)).toBe("66.7%");
    expect(en.duration(1500)).toBe("1.5 sec");
    expect(en.duration(null)).toBe("—");
    expect(en.milliseconds(1234.56)).toBe("1,234.6 ms");
    expect(formatters("de").milliseconds(12.34)).toBe("12,3 ms");
    expect(en.dateTime(null)).toBe("—");
    expect(en.dateTime("2026-01-02T03:04:05Z")).toMatch(/2026/);
    expect(formatters("de").number(1234.5)).toBe("1.234,5");
  });
});
