"""The console's remaining gaps (issue 16 item 8), used as an agent would in Chromium: Resolve
the chat's ticket after End Chat, the Transferred tab that appears only after a transfer, sound
and desktop alerts with a remembered Mute, the composer's placeholder per source, and a narrow
window where the lists stay usable and no toast covers Send.

Every test ends the chats it starts: the package's bridge is shared and later tests count queues.
"""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

from .support import NARROW, Pages, needs_chromium, send, sign_in, start_chat

pytestmark = needs_chromium

# Browser APIs a test cannot hear or see, recorded instead: every oscillator started (a beep),
# every desktop notification shown, every permission prompt. The page's own code runs as is.
RECORD_ALERTS = """
(() => {
  window.__beeps = 0; window.__notes = []; window.__asked = 0;
  const start = OscillatorNode.prototype.start;
  OscillatorNode.prototype.start = function (...args) {
    window.__beeps += 1;
    return start.apply(this, args);
  };
  class FakeNotification {
    static permission = "default";
    static async requestPermission() {
      window.__asked += 1;
      FakeNotification.permission = "granted";
      return "granted";
    }
    constructor(title, options) { window.__notes.push({ title, body: (options || {}).body }); }
    close() {}
  }
  window.Notification = FakeNotification;
})();
"""
# The console in the background (another window has the focus).
IN_BACKGROUND = "document.hasFocus = () => false;"


def console(pages: Pages, who: str, *scripts: str, viewport: dict[str, int] | None = None) -> Page:
    def before(page: Page) -> None:
        for script in scripts:
            page.add_init_script(script)

    page = pages.open(
        "/console", viewport=viewport or {"width": 1280, "height": 800}, before=before
    )
    sign_in(page, who)
    return page


def accept(agent: Page, customer: str) -> None:
    agent.get_by_role("tab", name=re.compile("^Queue")).click()
    agent.locator("#incoming-list").get_by_role("button", name=re.compile(customer)).click()
    agent.get_by_role("button", name="Accept").click()
    expect(agent.locator("#chat-meta")).to_contain_text("Assigned to you")


def end_chat(agent: Page) -> None:
    """End Chat, confirmed in its dialog (which can also mail the transcript: not here)."""
    agent.locator("#chat-actions").get_by_role("button", name="End Chat").click()
    agent.locator("#end-dialog").get_by_role("button", name="End Chat").click()
    expect(agent.locator("#chat-actions")).to_have_text("This chat is closed.")


def web_chat(pages: Pages, question: str, name: str) -> Page:
    user = pages.open("/chat")
    start_chat(user, question, name=name)
    return user


def beeps(page: Page) -> int:
    return page.evaluate("window.__beeps")


# --- Resolve ----------------------------------------------------------------------------------


def test_the_agent_resolves_the_chats_ticket_after_ending_the_chat(pages: Pages) -> None:
    alice = console(pages, "alice")
    user = web_chat(pages, "Teams crashes when I share my screen", "Rhea Resolve")
    accept(alice, "Rhea Resolve")
    alice.get_by_role("tab", name="Resources").click()
    alice.get_by_role("button", name="Create Incident", exact=True).click()
    ticket = alice.locator(".ticket").get_by_role("heading")
    expect(ticket).to_contain_text(re.compile(r"Incident INC\d+"))
    ticket_id = re.search(r"INC\d+", ticket.inner_text()).group(0)
    resolve = alice.get_by_role("button", name=f"Resolve Incident {ticket_id}")
    expect(resolve).to_be_visible()  # offered while the chat is open

    end_chat(alice)
    expect(user.locator("#queue-info")).to_have_text("This chat has ended.")
    resolve.click()  # and still after End Chat
    dialog = alice.locator("#resolve-dialog")
    expect(dialog.locator("#resolve-status")).to_have_text("Resolved")
    reason = dialog.get_by_label("Status Reason")
    expect(reason).to_have_value("No Further Action Required")  # the configured one
    reason.select_option("Customer Follow-Up Required")
    dialog.get_by_role("button", name="Resolve", exact=True).click()

    expect(dialog).to_be_hidden()
    expect(alice.locator("#toast")).to_contain_text(
        f"Incident {ticket_id} resolved: Resolved (Customer Follow-Up Required)."
    )
    expect(alice.locator("#history")).to_contain_text(
        f"Ticket {ticket_id} is now Resolved (Customer Follow-Up Required)"
    )
    expect(resolve).to_have_count(0)  # a resolved ticket is not offered again


def test_resolve_is_offered_once_a_ticket_in_edit_mode_is_saved(pages: Pages) -> None:
    alice = console(pages, "alice")
    user = web_chat(pages, "VPN will not connect at all", "Eda Editmode")
    accept(alice, "Eda Editmode")
    alice.get_by_role("tab", name="Resources").click()
    search = alice.get_by_label("Search knowledge, templates and outages")
    search.fill("VPN")
    search.press("Enter")
    alice.get_by_role("button", name="Create Incident from template VPN connection failure").click()
    expect(alice.locator("#missing-fields")).to_contain_text("Missing: Impact")
    expect(alice.locator("#chat-ticket").get_by_role("button")).to_have_count(0)
    alice.get_by_label("Impact (required)").fill("3-Moderate/Limited")
    alice.get_by_role("button", name="Confirm + Save").click()
    expect(alice.locator(".ticket")).to_contain_text("Saved")
    expect(
        alice.get_by_role("button", name=re.compile(r"^Resolve Incident INC\d+"))
    ).to_be_visible()
    end_chat(alice)
    expect(user.locator("#queue-info")).to_have_text("This chat has ended.")


def test_a_transferred_away_chats_ticket_is_not_offered_to_the_sender(pages: Pages) -> None:
    alice = console(pages, "alice")
    bob = console(pages, "bob")
    user = web_chat(pages, "My headset is not detected", "Sol Sender")
    accept(alice, "Sol Sender")
    alice.get_by_role("tab", name="Resources").click()
    alice.get_by_role("button", name="Create Work Order", exact=True).click()
    expect(
        alice.get_by_role("button", name=re.compile(r"^Resolve Work order WO\d+"))
    ).to_be_visible()
    transfer_to_bob(alice, "Headset: order a new one.")
    expect(alice.locator("#chat-meta")).to_contain_text("Transferred, waiting")
    expect(alice.locator("#chat-ticket").get_by_role("button")).to_have_count(0)
    take_transferred(bob, "Sol Sender")
    end_chat(bob)
    expect(user.locator("#queue-info")).to_have_text("This chat has ended.")
    expect(bob.get_by_role("button", name=re.compile(r"^Resolve Work order WO\d+"))).to_be_visible()
    expect(alice.locator("#chat-ticket").get_by_role("button")).to_have_count(0)


# --- Transferred tab --------------------------------------------------------------------------


def transfer_to_bob(agent: Page, note: str) -> None:
    agent.get_by_role("button", name="Transfer", exact=True).click()
    dialog = agent.locator("#transfer-dialog")
    dialog.get_by_label("Target").select_option(label="Bob Brown")
    dialog.get_by_label("Note for the next agent").fill(note)
    dialog.get_by_role("button", name="Transfer", exact=True).click()
    expect(dialog).to_be_hidden()


def take_transferred(bob: Page, customer: str) -> None:
    bob.get_by_role("tab", name=re.compile("^Transferred")).click()
    bob.locator("#incoming-list").get_by_role("button", name=re.compile(customer)).click()
    bob.get_by_role("button", name="Accept").click()
    expect(bob.locator("#chat-meta")).to_contain_text("Assigned to you")


def test_the_transferred_tab_appears_only_once_a_chat_is_transferred(pages: Pages) -> None:
    bob = console(pages, "bob")
    expect(bob.get_by_role("tab", name=re.compile("^Queue"))).to_be_visible()
    expect(bob.locator("#tab-transferred")).to_be_hidden()
    alice = console(pages, "alice")
    user = web_chat(pages, "The shared drive is read-only", "Tia Transfer")
    accept(alice, "Tia Transfer")
    expect(bob.locator("#tab-transferred")).to_be_hidden()  # a chat in the queue is no transfer
    transfer_to_bob(alice, "Permissions: needs the storage team.")
    tab = bob.get_by_role("tab", name=re.compile("^Transferred"))
    expect(tab).to_be_visible()
    expect(bob.locator("#count-transferred")).to_have_text("1")
    take_transferred(bob, "Tia Transfer")
    expect(tab).to_be_visible()  # it stays: no tab vanishes under the agent's pointer
    end_chat(bob)
    expect(user.locator("#queue-info")).to_have_text("This chat has ended.")


# --- Alerts and Mute ----------------------------------------------------------------------------


def test_a_new_chat_beeps_until_muted_and_mute_survives_a_reload(pages: Pages) -> None:
    alice = console(pages, "alice", RECORD_ALERTS)
    mute = alice.get_by_role("button", name="Mute", exact=True)
    expect(mute).to_have_attribute("aria-pressed", "false")
    first = web_chat(pages, "Excel freezes on open", "Nia Notify")
    expect(alice.locator("#incoming-list")).to_contain_text("Nia Notify")
    alice.wait_for_function("() => window.__beeps >= 1")

    mute.click()
    expect(mute).to_have_attribute("aria-pressed", "true")
    alice.reload()
    expect(alice.locator("#connection")).to_have_text("Live")
    mute = alice.get_by_role("button", name="Mute", exact=True)
    expect(mute).to_have_attribute("aria-pressed", "true")
    assert alice.evaluate("localStorage.getItem('livechat.console.muted')") == "1"
    before = beeps(alice)
    second = web_chat(pages, "Word freezes on save", "Max Muted")
    # The list shows the chat in the same dispatch that would have alerted: no beep now.
    expect(alice.locator("#incoming-list")).to_contain_text("Max Muted")
    assert beeps(alice) == before

    mute.click()
    expect(mute).to_have_attribute("aria-pressed", "false")
    for user, name in ((first, "Nia Notify"), (second, "Max Muted")):
        accept(alice, name)
        end_chat(alice)
        expect(user.locator("#queue-info")).to_have_text("This chat has ended.")


def test_desktop_alerts_are_asked_for_only_on_a_click_and_shown_in_the_background(
    pages: Pages,
) -> None:
    alice = console(pages, "alice", RECORD_ALERTS, IN_BACKGROUND)
    ask = alice.get_by_role("button", name="Desktop alerts")
    expect(ask).to_be_visible()
    assert alice.evaluate("window.__asked") == 0  # nothing was asked on load
    ask.click()
    expect(ask).to_be_hidden()
    assert alice.evaluate("window.__asked") == 1

    user = web_chat(pages, "VPN asks for a token", "Dee Desktop")
    alice.wait_for_function(
        "() => window.__notes.some(n => n.title === 'New chat from Dee Desktop')"
    )
    accept(alice, "Dee Desktop")
    send(user, "#message", "The token never arrives")
    expect(alice.locator("#history")).to_contain_text("The token never arrives")
    alice.wait_for_function(
        "() => window.__notes.some(n => n.title === 'New message from Dee Desktop'"
        " && n.body === 'The token never arrives')"
    )
    end_chat(alice)


# --- Placeholder per source ---------------------------------------------------------------------


def test_the_composer_placeholder_follows_the_chats_source(pages: Pages) -> None:
    alice = console(pages, "alice")
    user = web_chat(pages, "Printer offline", "Wes Web")
    answer = alice.request.post(
        "/api/v1/handoffs",
        headers={"X-API-Key": "demo-source-key"},
        data={
            "source": "virtual_agent",
            "company": "Calbro Services",
            "customer": {"id": "PPL000000000001", "name": "Val Virtual"},
            "question": "Reset my password",
            "transcript": [{"from": "user", "text": "password"}, {"from": "bot", "text": "agent"}],
        },
    )
    assert answer.status == 201, answer.text()
    text = alice.locator("#composer-text")
    accept(alice, "Wes Web")
    expect(text).to_have_attribute("placeholder", re.compile("^Reply to the self-service user"))
    accept(alice, "Val Virtual")
    expect(text).to_have_attribute(
        "placeholder", re.compile(r"Virtual Agent user \(no attachments\)")
    )
    alice.get_by_label("Note (agents only)").check()
    expect(text).to_have_attribute("placeholder", re.compile("^Note for agents only"))
    alice.get_by_label("Note (agents only)").uncheck()
    end_chat(alice)
    alice.locator("#my-chats").get_by_role("button", name=re.compile("Wes Web")).click()
    expect(text).to_have_attribute("placeholder", re.compile("^Reply to the self-service user"))
    end_chat(alice)
    expect(user.locator("#queue-info")).to_have_text("This chat has ended.")


# --- 400 px wide --------------------------------------------------------------------------------


def overlaps(a: dict[str, float] | None, b: dict[str, float] | None) -> bool:
    assert a is not None and b is not None
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


def measured(item: Locator) -> dict[str, float]:
    """Scrolls the entry into view and measures it in one step in the page: the list
    re-renders on every queue change, and a measurement split over two calls may find the
    entry replaced between them."""
    boxes = item.evaluate_all(
        """els => els.map(el => {
            el.scrollIntoView({block: "nearest"});
            const r = el.getBoundingClientRect();
            return {x: r.x, y: r.y, width: r.width, height: r.height};
        })"""
    )
    assert len(boxes) == 1, boxes
    return boxes[0]


def test_at_400_px_the_queue_is_usable_and_no_toast_covers_send(pages: Pages) -> None:
    alice = console(pages, "alice", viewport=NARROW)
    other = web_chat(pages, "Monitor flickers", "Otto Other")
    user = web_chat(pages, "Laptop fan is very loud", "Nora Narrow")
    waiting = alice.locator("#incoming-list")
    for name in ("Otto Other", "Nora Narrow"):
        item = waiting.get_by_role("button", name=re.compile(name))
        expect(item).to_be_visible()
        box = measured(item)  # where the agent sees it, before the tap
        item.click()  # tapped, as a person would
        expect(alice.locator("#chat-title")).to_have_text(name)
        assert box["x"] >= 0 and box["x"] + box["width"] <= NARROW["width"]
        assert box["height"] >= 44, "a list entry is too small to tap"
    no_sideways = "document.documentElement.scrollWidth <= window.innerWidth"
    assert alice.evaluate(no_sideways), "the page scrolls sideways at 400 px"
    accept(alice, "Nora Narrow")

    # A toast appears (the ticket is created) while the agent is about to send.
    alice.get_by_role("tab", name="Resources").click()
    alice.get_by_role("button", name="Create Incident", exact=True).click()
    toast = alice.locator("#toast")
    expect(toast).to_contain_text("created")
    send_button = alice.locator("#composer-send")
    for where in ("start", "center", "end"):  # wherever the page is scrolled to
        send_button.evaluate(f"el => el.scrollIntoView({{block: '{where}'}})")
        alice.evaluate("() => new Promise(requestAnimationFrame)")
        if toast.is_visible():
            assert not overlaps(toast.bounding_box(), send_button.bounding_box()), where
    alice.locator("#composer-text").fill("Fan noise: a cleaning is booked.")
    send_button.click(trial=True)  # nothing covers it: Playwright checks the hit target
    send_button.click()
    expect(user.get_by_role("log")).to_contain_text("Fan noise: a cleaning is booked.")
    assert alice.evaluate(no_sideways)
    end_chat(alice)
    accept(alice, "Otto Other")
    end_chat(alice)
    expect(other.locator("#queue-info")).to_have_text("This chat has ended.")
