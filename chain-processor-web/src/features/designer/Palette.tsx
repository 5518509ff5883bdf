/** The searchable node palette: drag an item onto the canvas, or press its add button. */
import { Box, IconButton, List, ListItem, ListItemText, ListSubheader, TextField, Typography } from "@mui/material";
import AddCircleOutline from "@mui/icons-material/AddCircleOutlined";
import { useId, useMemo, useState, type DragEvent } from "react";
import { useTranslation } from "react-i18next";
import { DRAG_TYPE, searchCatalog, useCatalog, type PaletteItem } from "./catalog";

interface Props {
  readOnly: boolean;
  onAdd: (item: PaletteItem) => void;
}

function onDragStart(event: DragEvent, item: PaletteItem) {
  event.dataTransfer.setData(DRAG_TYPE, item.id);
  event.dataTransfer.effectAllowed = "copy";
}

export function Palette({ readOnly, onAdd }: Props) {
  const { t } = useTranslation();
  const catalog = useCatalog();
  const [query, setQuery] = useState("");
  const headingId = useId();
  const items = useMemo(() => searchCatalog(catalog, query), [catalog, query]);
  const groups = [
    { key: "builtin", label: t("palette.builtin"), items: items.filter((item) => item.builtin) },
    { key: "custom", label: t("palette.custom"), items: items.filter((item) => !item.builtin) },
  ].filter((group) => group.items.length > 0);

  return (
    <Box component="section" aria-labelledby={headingId} sx={{ display: "flex", flexDirection: "column", minHeight: 0 }}>
      <Typography id={headingId} variant="subtitle1" component="h2">
        {t("palette.title")}
      </Typography>
      <TextField size="small" type="search" label={t("palette.search")} value={query} onChange={(event) => setQuery(event.target.value)} />
      {readOnly ? null : <Typography variant="caption">{t("palette.dragHint")}</Typography>}
      <List dense sx={{ flexGrow: 1 }} aria-live="polite">
        {groups.length === 0 ? <ListItem><ListItemText primary={t("palette.none")} /></ListItem> : null}
        {groups.map((group) => (
          <li key={group.key}>
            <ul style={{ padding: 0 }}>
              <ListSubheader sx={{ lineHeight: 2 }}>{group.label}</ListSubheader>
              {group.items.map((item) => (
                <ListItem
                  key={item.id}
                  data-testid={`palette-${item.name}`}
                  draggable={!readOnly}
                  onDragStart={(event) => onDragStart(event, item)}
                  sx={{ cursor: readOnly ? "default" : "grab", alignItems: "flex-start" }}
                  secondaryAction={
                    readOnly ? null : (
                      <IconButton edge="end" aria-label={t("palette.add", { title: item.title })} onClick={() => onAdd(item)}>
                        <AddCircleOutline />
                      </IconButton>
                    )
                  }
                >
                  <ListItemText primary={item.title} secondary={item.description} slotProps={{ secondary: { sx: { fontSize: 12 } } }} />
                </ListItem>
              ))}
            </ul>
          </li>
        ))}
      </List>
    </Box>
  );
}
