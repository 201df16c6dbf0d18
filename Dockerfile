# One image for every role: `docker run IMAGE <role>` with role = start | migrate | serve | worker |
# relay | dispatcher | projector (see `docker run IMAGE --help`). TypeScript runs through tsx.
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json tsconfig.json ./
COPY bin ./bin
COPY proto ./proto
COPY sql ./sql
COPY src ./src
COPY workers ./workers
USER node
EXPOSE 3000 9464
ENTRYPOINT ["node", "bin/eventstore.mjs"]
CMD ["start"]
