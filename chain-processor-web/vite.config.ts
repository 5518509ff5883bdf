/// <reference types="vitest/config" />
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

const PURE_TESTS = ["src/graph/**/*.test.ts", "src/lib/**/*.test.ts"];
const api = process.env.API_URL ?? "http://127.0.0.1:8000";
const proxy = {
  "/api": { target: api, changeOrigin: true, ws: true },
  "/health": { target: api, changeOrigin: true },
};

export default defineConfig({
  plugins: [react()],
  server: { proxy },
  preview: { proxy },
  build: { chunkSizeWarningLimit: 2000 },
  test: {
    globals: true,
    css: false,
    pool: "threads",
    // Pure logic runs in Node; only component, store and API tests pay for a DOM.
    projects: [
      {
        extends: true,
        test: { name: "logic", environment: "node", include: PURE_TESTS, isolate: false },
      },
      {
        extends: true,
        test: {
          name: "dom",
          environment: "jsdom",
          setupFiles: ["./src/test/setup.ts"],
          // One DOM per worker instead of one per file: tests reset the stores they touch.
          isolate: false,
          include: ["src/**/*.test.{ts,tsx}"],
          exclude: PURE_TESTS,
        },
      },
    ],
    coverage: {
      provider: "v8",
      include: ["src/**/*.{ts,tsx}"],
      exclude: ["src/client/**", "src/**/*.test.{ts,tsx}", "src/test/**", "src/main.tsx"],
      reporter: ["text-summary", "text"],
      thresholds: {
        "src/graph/**": { lines: 80 },
        "src/stores/**": { lines: 80 },
      },
    },
  },
});
