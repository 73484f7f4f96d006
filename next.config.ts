import type { NextConfig } from "next";

const config: NextConfig = {
  // The SDKs are plain server dependencies; nothing to transpile. Keep responses honest.
  poweredByHeader: false,
};

export default config;
