/**
 * What the designer knows about the node library: a palette item per node, looked up by id.
 * Filled from the nodes query by the designer page and read through `useCatalog`.
 */
import { createContext, useContext } from "react";
import type { CatalogEntry, JsonSchema } from "../../graph";

export interface PaletteItem extends CatalogEntry {
  title: string;
  name: string;
  description: string;
  builtin: boolean;
  tags: string[];
  configSchema: JsonSchema | null;
}

export type Catalog = ReadonlyMap<string, PaletteItem>;

export const CatalogContext = createContext<Catalog>(new Map());

export function useCatalog(): Catalog {
  return useContext(CatalogContext);
}

/** Items matching `query` in title, name, description or tags; builtin first, then by title. */
export function searchCatalog(catalog: Catalog, query: string): PaletteItem[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  return [...catalog.values()]
    .filter((item) => item.isActive)
    .filter((item) => {
      const haystack = [item.title, item.name, item.description, ...item.tags].join(" ").toLowerCase();
      return words.every((word) => haystack.includes(word));
    })
    .sort((a, b) => Number(b.builtin) - Number(a.builtin) || a.title.localeCompare(b.title));
}

/** The drag-and-drop payload type for palette items. */
export const DRAG_TYPE = "application/x-chain-node";
