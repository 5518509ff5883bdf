import { IconButton, Stack, Typography } from "@mui/material";
import ChevronLeft from "@mui/icons-material/ChevronLeft";
import ChevronRight from "@mui/icons-material/ChevronRight";
import { useTranslation } from "react-i18next";

interface Props {
  offset: number;
  limit: number;
  count: number;
  onChange: (offset: number) => void;
}

export function Pager({ offset, limit, count, onChange }: Props) {
  const { t } = useTranslation();
  if (count <= limit && offset === 0) return null;
  return (
    <Stack sx={{ alignItems: "center", justifyContent: "flex-end", gap: 1, mt: 1 }} direction="row">
      <Typography variant="body2">
        {t("common.pageOf", { from: count ? offset + 1 : 0, to: Math.min(offset + limit, count), count })}
      </Typography>
      <IconButton aria-label={t("common.previous")} disabled={offset === 0} onClick={() => onChange(Math.max(0, offset - limit))}>
        <ChevronLeft />
      </IconButton>
      <IconButton aria-label={t("common.next")} disabled={offset + limit >= count} onClick={() => onChange(offset + limit)}>
        <ChevronRight />
      </IconButton>
    </Stack>
  );
}
