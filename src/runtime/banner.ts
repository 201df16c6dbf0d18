/** What `eventstore start` prints once everything runs: where to look, and how to send a command. */
export function startBanner(options: { apiUrl: string; token: boolean; commandTypes: string[]; config: string }): string {
  const { apiUrl, token } = options;
  const auth = token ? " -H \"authorization: Bearer $API_TOKEN\"" : '';
  const example = options.commandTypes[0] ?? 'MyCommand';
  return `
eventstore is running: HTTP API, command workers, relay, dispatcher, projectors (config: ${options.config}).

  API          ${apiUrl}            POST /commands, GET /commands/:id, /aggregates/:id[/events], /projections/:name/:id
  API docs     ${apiUrl}/docs       (OpenAPI)
  Bull Board   ${apiUrl}/admin/queues   (read-only)
  Metrics      ${apiUrl}/metrics
  Health       ${apiUrl}/healthz, ${apiUrl}/readyz
${token ? '\n  Every route but /healthz needs: Authorization: Bearer $API_TOKEN\n' : ''}
Commands: ${options.commandTypes.join(', ') || '(none registered)'}
Send one:
  curl -s ${apiUrl}/commands -H 'content-type: application/json'${auth} \\
    -d '{"type":"${example}","aggregateId":"some-id","payload":{...},"wait":true}'

Ctrl-C stops everything gracefully.
`;
}
