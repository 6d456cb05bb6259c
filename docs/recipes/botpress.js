// Botpress: hand the conversation to a live agent through the livechat bridge's REST API.
// Paste into an "Execute code" card (or a v12 action) and call it:
//   workflow.agentText = await handOffToAgent({ event, workflow, user, env })
// Set HANDOFF_BRIDGE_URL and HANDOFF_API_KEY as bot environment variables.

const RETRY = new Set([429, 502, 503, 504]);

async function handOffToAgent({ event, workflow, user, env }) {
  const request = {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      'X-API-Key': env.HANDOFF_API_KEY,
      // The same key on every retry: the conversation is handed over once.
      'Idempotency-Key': `botpress:${event.conversationId}`,
    },
    body: JSON.stringify({
      source: 'virtual_agent',
      company: workflow.company,
      queue: workflow.queue || undefined,
      customer: { id: user.id, name: user.name || 'User' },
      question: event.preview || 'Live agent requested',
      transcript: workflow.transcript || [],
    }),
  };
  for (let attempt = 1; ; attempt++) {
    let response;
    try {
      response = await fetch(`${env.HANDOFF_BRIDGE_URL}/api/v1/handoffs`, request);
    } catch (error) {
      if (attempt >= 5) throw error; // the bridge is unreachable
    }
    if (response && !(RETRY.has(response.status) && attempt < 5)) {
      const body = await response.json();
      if (!response.ok) {
        workflow.handoffError = body.code; // e.g. queue_closed
        return 'Sorry, no agent can take the chat right now.';
      }
      workflow.livechatChatId = body.chat_id;
      workflow.livechatUserToken = body.user_token;
      return body.position ? `You are number ${body.position} in the queue.` : 'An agent has joined.';
    }
    const after = Number(response && response.headers.get('Retry-After'));
    await new Promise((ok) => setTimeout(ok, after ? after * 1000 : 2 ** attempt * 100 * (0.5 + Math.random() / 2)));
  }
}

if (typeof module !== 'undefined') module.exports = { handOffToAgent };
