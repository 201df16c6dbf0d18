# Two images from one file:
# - `package` (the default target): the compiled event store (dist/) with its production
#   dependencies. `docker run IMAGE <role>` with role = start | migrate | serve | worker | relay |
#   dispatcher | projector | verify ... (`docker run IMAGE --help`). It runs the config module named
#   by EVENTSTORE_CONFIG: mount yours at /app/config (with the modules it imports), or build an
#   image of your own FROM this one that copies it there.
# - `example`: this repository's example (examples/orders) as a checkout, run through tsx (its config
#   is TypeScript and imports the sources); what docker-compose.yml builds.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM build AS example
COPY bin ./bin
COPY proto ./proto
COPY sql ./sql
COPY examples ./examples
COPY workers ./workers
COPY eventstore.config.ts ./
ENV EVENTSTORE_CONFIG=/app/eventstore.config.ts
USER node
EXPOSE 3000 9464
ENTRYPOINT ["node", "bin/eventstore.mjs"]
CMD ["start"]

FROM node:20-bookworm-slim AS package
ENV NODE_ENV=production EVENTSTORE_CONFIG=/app/config/eventstore.config.js
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY bin ./bin
COPY proto ./proto
COPY sql ./sql
COPY --from=build /app/dist ./dist
USER node
EXPOSE 3000 9464
ENTRYPOINT ["node", "bin/eventstore.mjs"]
CMD ["start"]
