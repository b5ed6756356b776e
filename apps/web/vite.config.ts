import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// Everything the app needs is bundled: no request ever leaves the origin that serves it (see README).
export default defineConfig({
  plugins: [react()],
  base: "/",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // Inlined data URLs would need `img-src data:` in the Content-Security-Policy; files keep it `'self'` only.
    assetsInlineLimit: 0,
    sourcemap: false,
  },
});
