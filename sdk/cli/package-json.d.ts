declare module '*/package.json' {
  const manifest: { name: string; version: string };
  export default manifest;
}
