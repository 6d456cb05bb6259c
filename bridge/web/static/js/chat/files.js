// Attachments chosen in a file input, checked against the bridge's limits (count, size, type)
// before anything is sent, and encoded as the API wants them: {name, content_type, data: base64}.

import { fill, h } from "../dom.js";

export function limitsFrom(dataset) {
  return {
    maxBytes: Number(dataset.maxAttachmentBytes) || 5 * 1024 * 1024,
    maxCount: Number(dataset.maxAttachments ?? 3),
    types: (dataset.attachmentTypes || "").split(",").map((t) => t.trim()).filter(Boolean),
  };
}

export function describeLimits(limits) {
  if (!limits.maxCount) return "(not accepted)";
  const mb = limits.maxBytes / (1024 * 1024);
  return `(up to ${limits.maxCount}, ${mb >= 1 ? `${Math.round(mb * 10) / 10} MB` : `${Math.round(limits.maxBytes / 1024)} KB`} each)`;
}

function readBase64(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ""));
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

/** Keep the chosen files of `input`, listed (with Remove buttons) in `list`; errors via onError. */
export class FilePicker {
  constructor(input, list, limits, onError) {
    this.input = input;
    this.list = list;
    this.limits = limits;
    this.onError = onError;
    this.files = [];
    if (limits.types.length) input.accept = limits.types.join(",");
    input.disabled = !limits.maxCount;
    input.addEventListener("change", () => this.add([...input.files]));
  }

  problem(file) {
    const { maxBytes, types } = this.limits;
    if (types.length && !types.includes(file.type)) return `${file.name}: this type of file is not accepted.`;
    if (file.size > maxBytes) return `${file.name}: the file is too large.`;
    return null;
  }

  add(files) {
    const errors = [];
    for (const file of files) {
      const problem = this.problem(file);
      if (problem) errors.push(problem);
      else if (this.files.length >= this.limits.maxCount) errors.push(`${file.name}: at most ${this.limits.maxCount} attachments.`);
      else this.files.push(file);
    }
    this.input.value = "";
    this.onError(errors.join(" "));
    this.render();
  }

  remove(file) {
    this.files = this.files.filter((f) => f !== file);
    this.render();
  }

  render() {
    fill(this.list, this.files.map((file) => h("li", { class: "file-chip" },
      h("span", { text: `${file.name} (${Math.max(1, Math.round(file.size / 1024))} KB)` }),
      h("button", { type: "button", class: "btn btn-quiet btn-small", text: "Remove", attrs: { "aria-label": `Remove ${file.name}` }, on: { click: () => this.remove(file) } }))));
  }

  async encoded() {
    return Promise.all(this.files.map(async (file) => ({ name: file.name, content_type: file.type || "application/octet-stream", data: await readBase64(file) })));
  }

  clear() {
    this.files = [];
    this.render();
  }
}
