/** The frame around every signed-in page: skip link, top bar, navigation, main region. */
import { AppBar, Box, Button, Chip, Link, Toolbar, Typography } from "@mui/material";
import { useTranslation } from "react-i18next";
import { Outlet } from "react-router";
import { useMe, useSignOut } from "../api/me";
import { HealthBanner } from "./HealthBanner";
import { LanguageSelect } from "./LanguageSelect";
import { NavLinks } from "./NavLinks";

const NAV_WIDTH = 200;

export function Shell() {
  const { t } = useTranslation();
  const me = useMe().data;
  const signOut = useSignOut();
  return (
    <Box sx={{ display: "flex", flexDirection: "column", minHeight: "100vh" }}>
      <Link
        href="#main"
        sx={{ position: "absolute", left: -9999, "&:focus": { left: 8, top: 8, zIndex: 2000, bgcolor: "background.paper", p: 1 } }}
      >
        {t("app.skipToContent")}
      </Link>
      <AppBar position="static" elevation={1}>
        <Toolbar sx={{ gap: 2 }}>
          <Typography component="p" variant="h6" sx={{ flexGrow: 1 }}>
            {t("app.name")}
          </Typography>
          <LanguageSelect onDark />
          {me ? (
            <>
              <Typography variant="body2">{t("app.signedInAs", { email: me.email })}</Typography>
              {me.roles.map((role) => (
                <Chip key={role} size="small" label={t(`roles.${role}`)} sx={{ bgcolor: "background.paper" }} />
              ))}
            </>
          ) : null}
          <Button color="inherit" variant="outlined" onClick={() => signOut.mutate()}>
            {t("app.signOut")}
          </Button>
        </Toolbar>
      </AppBar>
      <Box sx={{ display: "flex", flexGrow: 1, minHeight: 0 }}>
        <Box component="aside" sx={{ width: NAV_WIDTH, flexShrink: 0, borderRight: 1, borderColor: "divider" }}>
          <NavLinks />
        </Box>
        <Box component="main" id="main" tabIndex={-1} sx={{ flexGrow: 1, p: 2, minWidth: 0 }}>
          <HealthBanner />
          <Outlet />
        </Box>
      </Box>
    </Box>
  );
}
