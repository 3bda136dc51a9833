import type { NextConfig } from "next";

// A static export: the api serves frontend/out at "/", so there is no Node process at
// run time. Dynamic ids travel in query strings (/runs/view?id=…) for the same reason.
const config: NextConfig = {
  output: "export",
  trailingSlash: true,
  images: { unoptimized: true },
  reactStrictMode: true,
};

export default config;
