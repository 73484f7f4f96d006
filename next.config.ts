import { hostname, networkInterfaces } from "node:os";
import type { NextConfig } from "next";
import { devOrigins } from "./dev/dev-origins.ts";

const config: NextConfig = {
  // The SDKs are plain server dependencies; nothing to transpile. Keep responses honest.
  poweredByHeader: false,
  // `npm run dev` opened at 127.0.0.1, [::1], a LAN address or a tunnel hydrates too (dev only).
  allowedDevOrigins: devOrigins({
    env: process.env,
    interfaces: networkInterfaces(),
    hostname: hostname(),
  }),
};

export default config;
