// Issue 13: what a queue item says about routing: its priority (VIP), the skills it needs now
// (after relaxation), and whether it is offered to me or to someone else.

import { h } from "../dom.js";

export function routingTags(summary, me) {
  const tags = [];
  if (summary.priority > 0) {
    tags.push(h("span", { class: "tag tag-vip", text: summary.priority >= 5 ? "VIP" : `Priority ${summary.priority}`,
      attrs: { title: `Priority ${summary.priority}` } }));
  }
  const skills = Object.entries(summary.skills || {});
  if (skills.length && summary.status === "queued") {
    tags.push(h("span", { class: "tag tag-skill", text: `Needs ${skills.map(([s, l]) => `${s} ${l}`).join(", ")}` }));
  }
  if (summary.offered_to && summary.status === "queued") {
    const text = summary.offered_to === me ? "Offered to you" : "Offered";
    tags.push(h("span", { class: "tag tag-info", text }));
  }
  if (summary.retrial_of) tags.push(h("span", { class: "tag", text: "Came back" }));
  return tags;
}

/** "4:59 left" until an epoch-seconds deadline (an offer's timeout, a wrap-up's end). */
export function timeLeft(until) {
  if (until === null || until === undefined) return "until Ready";
  const s = Math.max(0, Math.ceil(until - Date.now() / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")} left`;
}

export function routingSpoken(summary) {
  const parts = [];
  if (summary.priority > 0) parts.push(`priority ${summary.priority}`);
  const skills = Object.entries(summary.skills || {});
  if (skills.length && summary.status === "queued") parts.push(`needs ${skills.map(([s, l]) => `${s} ${l}`).join(", ")}`);
  return parts;
}
