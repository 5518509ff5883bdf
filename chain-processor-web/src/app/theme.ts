/** One MUI theme: default palette (AA contrast on white) and a strong visible focus ring. */
import { createTheme } from "@mui/material/styles";

export const FOCUS_RING = "3px solid #0b57d0";

export const theme = createTheme({
  palette: {
    primary: { main: "#1565c0" },
    success: { main: "#1b5e20" },
    error: { main: "#c62828" },
    warning: { main: "#8a4b00" },
  },
  components: {
    MuiCssBaseline: {
      styleOverrides: {
        "*:focus-visible": { outline: FOCUS_RING, outlineOffset: 2 },
        ".react-flow__node:focus-visible": { outline: FOCUS_RING, outlineOffset: 2 },
      },
    },
    MuiButtonBase: { defaultProps: { disableRipple: false } },
  },
});
