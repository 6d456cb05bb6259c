// Which conversation features the bridge has on (GET /api/v1/features, no token): the pages
// show a button only for what the bridge will accept. Asked once per page.

let pending = null;

export function loadFeatures() {
  if (!pending) {
    pending = fetch("/api/v1/features", { headers: { Accept: "application/json" } })
      .then((response) => (response.ok ? response.json() : {}))
      .catch(() => ({}));
  }
  return pending;
}

/** The FilePicker limits (chat/files.js) from the features answer. */
export function attachmentLimits(features) {
  const a = (features && features.attachments) || {};
  return { maxBytes: a.max_bytes || 5 * 1024 * 1024, maxCount: a.max_count ?? 0, types: a.allowed_types || [] };
}
