import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { configureClient } from "./api/http";
import { App } from "./app/App";
import i18n, { intlLocale } from "./i18n";

configureClient();
document.documentElement.lang = intlLocale(i18n.language);

createRoot(document.getElementById("root") as HTMLElement).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
