import { defineConfig } from "vite";
import preact from "@preact/preset-vite";

// The app is served by the API at /app; the dev server proxies API calls to a local `kg serve`.
const api = process.env.KG_API_URL ?? "http://127.0.0.1:8000";
const proxied = ["/customers", "/cases", "/interactions", "/concepts", "/insights", "/query",
                 "/sparql", "/session", "/health", "/search"];

export default defineConfig({
  base: "/app/",
  plugins: [preact()],
  build: { outDir: "dist", emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 800 },
  server: { proxy: Object.fromEntries(proxied.map((path) => [path, api])) },
});
