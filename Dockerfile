FROM node:20-bookworm-slim AS build
WORKDIR /app
# The SDK is a dependency of the app (file:sdk): its package.json must be there for npm ci.
COPY package.json package-lock.json ./
COPY sdk/package.json ./sdk/
RUN npm ci
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# node_modules/@bidtape/sdk links to sdk/: the pages' browser bundle is served from its dist.
COPY --from=build /app/sdk/package.json ./sdk/
COPY --from=build /app/sdk/dist ./sdk/dist
COPY package.json ./
USER node
EXPOSE 3000
CMD ["node", "dist/src/main.js"]
