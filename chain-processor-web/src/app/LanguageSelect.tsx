import { MenuItem, TextField } from "@mui/material";
import { useTranslation } from "react-i18next";
import { LANGUAGES, setLanguage, type Language } from "../i18n";

/** The language picker; `onDark` draws it in white for the app bar. */
export function LanguageSelect({ onDark = false }: { onDark?: boolean }) {
  const { t, i18n } = useTranslation();
  const white = onDark
    ? {
        "& .MuiInputLabel-root, & .MuiInputLabel-root.Mui-focused, & .MuiSelect-select, & .MuiSvgIcon-root": { color: "common.white" },
        "& .MuiInput-underline:before, & .MuiInput-underline:after": { borderBottomColor: "common.white" },
      }
    : {};
  return (
    <TextField
      select
      size="small"
      variant={onDark ? "standard" : "outlined"}
      label={t("app.language")}
      value={i18n.language}
      onChange={(event) => setLanguage(event.target.value as Language)}
      sx={{ minWidth: 150, ...white }}
    >
      {LANGUAGES.map((language) => (
        <MenuItem key={language} value={language}>
          {t(`app.languages.${language}`)}
        </MenuItem>
      ))}
    </TextField>
  );
}
