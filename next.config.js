/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // The custom server owns /api and /socket.io; Next serves the pages only.
  // `npm test` type-checks the whole project once; the build need not do it again.
  typescript: { ignoreBuildErrors: true },
  // On by default in development: it asks registry.npmjs.org for security advisories, and
  // Hopscope makes no requests to the internet (workshops run offline).
  experimental: { agentUpgrade: false },
};

export default nextConfig;
