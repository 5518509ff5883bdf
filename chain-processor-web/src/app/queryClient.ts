import { QueryClient } from "@tanstack/react-query";
import { ApiError } from "../api/http";

/** Retry network trouble and 5xx twice; client errors (4xx) are final. */
export function makeQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        retry: (count, error) => count < 2 && !(error instanceof ApiError && error.status >= 400 && error.status < 500),
        refetchOnWindowFocus: false,
      },
    },
  });
}
