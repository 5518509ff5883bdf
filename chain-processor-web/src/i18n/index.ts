/**
 * i18next set up once: English, and the pseudo-locale `pseudo` derived from it. The language
 * is `?lng=` in the address, else the last one chosen (localStorage), else the browser's.
 */
import i18n from "i18next";
import { initReactI18next } from "react-i18next";
import { en } from "./en";
import { pseudoMessages } from "./pseudo";

export const LANGUAGES = ["en", "pseudo"] as const;
export type Language = (typeof LANGUAGES)[number];
const STORAGE_KEY = "chain-processor.language";

function initialLanguage(): Language {
  const fromUrl = typeof location !== "undefined" ? new URLSearchParams(location.search).get("lng") : null;
  const stored = typeof localStorage !== "undefined" ? localStorage.getItem(STORAGE_KEY) : null;
  const wanted = fromUrl ?? stored ?? "en";
  return (LANGUAGES as readonly string[]).includes(wanted) ? (wanted as Language) : "en";
}

void i18n.use(initReactI18next).init({
  resources: { en: { translation: en }, pseudo: { translation: pseudoMessages(en) } },
  lng: initialLanguage(),
  fallbackLng: "en",
  interpolation: { escapeValue: false },
  returnNull: false,
});

export function setLanguage(language: Language): void {
  localStorage.setItem(STORAGE_KEY, language);
  void i18n.changeLanguage(language);
  document.documentElement.lang = intlLocale(language);
}

/** The BCP 47 tag Intl formats with; the pseudo-locale formats like English. */
export function intlLocale(language: string): string {
  return language === "pseudo" ? "en" : language;
}

export default i18n;
