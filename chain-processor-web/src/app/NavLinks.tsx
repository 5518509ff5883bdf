import { List, ListItem, ListItemButton, ListItemText } from "@mui/material";
import { useTranslation } from "react-i18next";
import { NavLink } from "react-router";
import { usePermissions } from "../api/me";

const LINKS = [
  { to: "/chains", key: "nav.chains" },
  { to: "/nodes", key: "nav.nodes" },
  { to: "/executions", key: "nav.executions" },
  { to: "/ab", key: "nav.ab" },
] as const;
const ADMIN_LINKS = [
  { to: "/admin/users", key: "nav.users" },
  { to: "/admin/audit", key: "nav.audit" },
] as const;

export function NavLinks() {
  const { t } = useTranslation();
  const { isAdmin } = usePermissions();
  const links = isAdmin ? [...LINKS, ...ADMIN_LINKS] : LINKS;
  return (
    <nav aria-label={t("nav.main")}>
      <List dense>
        {links.map((link) => (
          <ListItem key={link.to} disablePadding>
            <ListItemButton component={NavLink} to={link.to} sx={{ "&.active": { bgcolor: "action.selected", fontWeight: 600 } }}>
              <ListItemText primary={t(link.key)} />
            </ListItemButton>
          </ListItem>
        ))}
      </List>
    </nav>
  );
}
