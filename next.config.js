/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // The custom server owns /api and /socket.io; Next serves the pages only.
  typescript: { ignoreBuildErrors: false },
};

export default nextConfig;
