/** Dates, numbers and durations by the current language, through Intl. */
import { useMemo } from "react";
import { useTranslation } from "react-i18next";
import { intlLocale } from "./index";

export interface Formatters {
  dateTime: (value: string | Date | null | undefined) => string;
  number: (value: number) => string;
  percent: (value: number) => string;
  duration: (ms: number | null | undefined) => string;
  /** Always in milliseconds, to a tenth: `12.3 ms`. */
  milliseconds: (ms: number) => string;
}

export function formatters(language: string): Formatters {
  const locale = intlLocale(language);
  const dates = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "medium" });
  const numbers = new Intl.NumberFormat(locale);
  const percents = new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: 1 });
  const millis = new Intl.NumberFormat(locale, { style: "unit", unit: "millisecond", unitDisplay: "short" });
  const preciseMillis = new Intl.NumberFormat(locale, {
    style: "unit",
    unit: "millisecond",
    unitDisplay: "short",
    maximumFractionDigits: 1,
  });
  const seconds = new Intl.NumberFormat(locale, {
    style: "unit",
    unit: "second",
    unitDisplay: "short",
    maximumFractionDigits: 2,
  });
  return {
    dateTime: (value) => (value ? dates.format(new Date(value)) : "—"),
    number: (value) => numbers.format(value),
    percent: (value) => percents.format(value),
    duration: (ms) => {
      if (ms === null || ms === undefined) return "—";
      return ms < 1000 ? millis.format(ms) : seconds.format(ms / 1000);
    },
    milliseconds: (ms) => preciseMillis.format(ms),
  };
}

export function useFormat(): Formatters {
  const { i18n } = useTranslation();
  return useMemo(() => formatters(i18n.language), [i18n.language]);
}
