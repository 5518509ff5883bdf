/** Render a component with the app's providers: theme, a fresh query client, a router, a catalog. */
import { CssBaseline, ThemeProvider } from "@mui/material";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render } from "@testing-library/react";
import type { ReactElement } from "react";
import { MemoryRouter } from "react-router";
import { theme } from "../app/theme";
import { CatalogContext, type Catalog, type PaletteItem } from "../features/designer/catalog";

export function item(id: string, title: string, extra: Partial<PaletteItem> = {}): PaletteItem {
  return { id, name: id, title, description: `${title} the text.`, builtin: true, isActive: true, tags: [], configSchema: null, ...extra };
}

export function catalogOf(...items: PaletteItem[]): Catalog {
  return new Map(items.map((entry) => [entry.id, entry]));
}

export function renderApp(ui: ReactElement, { route = "/", catalog = catalogOf() }: { route?: string; catalog?: Catalog } = {}) {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  const result = render(
    <ThemeProvider theme={theme}>
      <CssBaseline />
      <QueryClientProvider client={queryClient}>
        <MemoryRouter initialEntries={[route]}>
          <CatalogContext.Provider value={catalog}>{ui}</CatalogContext.Provider>
        </MemoryRouter>
      </QueryClientProvider>
    </ThemeProvider>,
  );
  return { ...result, queryClient };
}

/** A fetch that answers from a table of "METHOD /path" → [status, body, headers?]. */
export function fakeFetch(routes: Record<string, [number, unknown, Record<string, string>?]>): typeof fetch {
  return async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = input instanceof Request ? input : new Request(String(input), init);
    const key = `${request.method} ${new URL(request.url).pathname}`;
    const [status, body, headers = {}] = routes[key] ?? [404, { detail: `no route ${key}`, code: "not_found" }];
    return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json", ...headers } });
  };
}
