/// <reference types="vitest/config" />
// The Pact consumer tests (`npm run test:pact`): the app's hooks against Pact's mock server.
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

export default defineConfig({
  plugins: [react()],
  test: {
    name: "pact",
    globals: true,
    environment: "jsdom",
    include: ["pact/**/*.pact.test.ts"],
    // One file, in order: the last test compares the contract the others wrote.
    fileParallelism: false,
    testTimeout: 30_000,
    env: { PACT_DO_NOT_TRACK: "true" },
  },
});
