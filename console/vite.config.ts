// The bundle is written into the router (router/console/dist), which serves it at /console;
// names are fixed so the router can compile the files in, and paths are relative so the same
// files also work from any other origin or sub-path.
import { defineConfig } from 'vite';

export default defineConfig({
  base: './',
  esbuild: { jsx: 'automatic' },
  build: {
    // CONSOLE_OUT_DIR lets the drift check build elsewhere and compare.
    outDir: process.env.CONSOLE_OUT_DIR ?? '../router/console/dist',
    emptyOutDir: true,
    target: 'es2022',
    reportCompressedSize: true,
    rollupOptions: {
      output: {
        entryFileNames: 'assets/console.js',
        chunkFileNames: 'assets/[name].js',
        assetFileNames: 'assets/console[extname]',
      },
    },
  },
});
