"""Spec for the clinic booking page (held out: written after the resolver, never tuned for it).

The page starts with two upcoming appointments, Dr. Ito (Mon 10:00) and Dr. Moreau
(Thu 16:45), and an empty booking form. The redesign rewords every label (the reason
field is a textarea with only a placeholder under an "About your visit" legend), turns the
table into cards with an icon "Reschedule" button, and adds a decoy submit button "Book for
a family member". Checks read the form by its ids/names in either variant.
"""

from __future__ import annotations

from playwright.sync_api import Locator, Page

from examples.apps.spec import AppSpec, Step

_PRELUDE = """
const q = (s) => document.querySelector(s);
const name = q('#patient_name, [name=fullName]').value;
const doctor = q('#doctor, [name=practitioner]').value;
const reason = q('#reason, [name=notes]').value;
const sms = q('#sms, [name=textReminder]').checked;
const bookedEl = q('[data-booked]');
const booked = bookedEl ? JSON.parse(bookedEl.dataset.booked) : null;
const rows = [...document.querySelectorAll('#appointments tbody tr, .visit-card')];
const appts = rows.map((r) => {
  const who = r.querySelector('td, .who').textContent.trim();
  const when = r.querySelector('td:nth-child(2), time').textContent.trim();
  return who + '@' + when;
}).join('|');
const panel = q('#reschedule-panel:not([hidden]), #slotSheet:not([hidden])');
const panelText = panel ? panel.innerText : '';
const slot = q('#new_time, #slotSheet select').value;
"""


def _check(expression: str) -> str:
    return "() => {" + _PRELUDE + "return Boolean(" + expression + ");}"


def _row(page: Page, doctor: str) -> Locator:
    return page.locator("#appointments tbody tr, .visit-card").filter(has_text=doctor)


def _confirmation(page: Page) -> str:
    text: str = page.locator("#conf-no, #bk-result b").inner_text()
    return text.strip()


def _when(page: Page, doctor: str) -> str:
    text: str = _row(page, doctor).locator("td:nth-child(2), time").inner_text()
    return text.strip()


APPTS0 = "Dr. Ito@Mon 10:00|Dr. Moreau@Thu 16:45"
FORM = "name === 'Ana Lima' && doctor === 'okafor' && reason === 'Knee pain after running'"
BOOKED = "Dr. Ito@Mon 10:00|Dr. Moreau@Thu 16:45|Dr. Okafor@Fri 08:30"

SPEC = AppSpec(
    name="clinic_booking",
    start="/",
    steps=(
        Step(
            kind="act",
            terse="type 'Ana Lima' in the patient name field",
            chatty="put 'Ana Lima' in as the patient's name",
            imperative="Enter 'Ana Lima' into the Patient name field",
            check=_check("name === 'Ana Lima' && booked === null"),
            playwright=lambda page: page.locator("#patient_name, [name=fullName]").fill("Ana Lima"),
        ),
        Step(
            kind="act",
            terse="choose Dr. Okafor from the doctor dropdown",
            chatty="pick 'Dr. Okafor (Physiotherapy)' in the doctor list",
            imperative="Select 'Dr. Okafor (Physiotherapy)' in the Doctor dropdown",
            check=_check("name === 'Ana Lima' && doctor === 'okafor'"),
            playwright=lambda page: page.locator("#doctor, [name=practitioner]").select_option(
                "okafor"
            ),
        ),
        Step(
            kind="act",
            terse="type 'Knee pain after running' into the reason for visit field",
            chatty="in the reason for visit box, write 'Knee pain after running'",
            imperative="Enter 'Knee pain after running' in the Reason for visit field",
            check=_check(FORM + " && booked === null"),
            playwright=lambda page: page.locator("#reason, [name=notes]").fill(
                "Knee pain after running"
            ),
        ),
        Step(
            kind="act",
            terse="tick the SMS reminder checkbox",
            chatty="we'd like a reminder, so tick the SMS reminder box",
            imperative="Check the 'Send me an SMS reminder' checkbox",
            check=_check(FORM + " && sms && booked === null"),
            playwright=lambda page: page.locator("#sms, [name=textReminder]").check(),
        ),
        Step(
            kind="act",
            terse="click book appointment",
            chatty="now submit the booking form by booking the appointment",
            imperative="Click the 'Book appointment' button",
            check=_check(
                "booked !== null && booked.family === false && booked.sms === true"
                " && booked.doctor === 'okafor' && booked.reason === 'Knee pain after running'"
                f" && appts === '{BOOKED}'"
            ),
            playwright=lambda page: page.locator(
                "#booking-form button[type=submit], button[data-kind=self]"
            ).click(),
        ),
        Step(
            kind="extract",
            terse="get the confirmation number",
            chatty="what confirmation number did the booking get?",
            imperative="Extract the confirmation number shown after booking",
            check=_check(f"booked !== null && appts === '{BOOKED}'"),
            playwright=_confirmation,
            expected="NC-4821",
        ),
        Step(
            kind="act",
            terse="click reschedule for Dr. Ito",
            chatty="reschedule the appointment with Dr. Ito",
            imperative="Click the Reschedule button in the Dr. Ito row",
            check=_check(f"/Dr\\. Ito/.test(panelText) && appts === '{BOOKED}'"),
            playwright=lambda page: (
                _row(page, "Dr. Ito").locator(".resched, [aria-label=Reschedule]").click()
            ),
        ),
        Step(
            kind="act",
            terse="choose Tue 14:30 from the new time dropdown",
            chatty="pick 'Tue 14:30' as the new time",
            imperative="Select 'Tue 14:30' in the New time dropdown",
            check=_check(
                f"/Dr\\. Ito/.test(panelText) && slot === 'Tue 14:30' && appts === '{BOOKED}'"
            ),
            playwright=lambda page: page.locator("#new_time, #slotSheet select").select_option(
                "Tue 14:30"
            ),
        ),
        Step(
            kind="act",
            terse="click save new time",
            chatty="save the new time for that appointment",
            imperative="Click the 'Save new time' button",
            check=_check(
                "panel === null && appts === "
                "'Dr. Ito@Tue 14:30|Dr. Moreau@Thu 16:45|Dr. Okafor@Fri 08:30'"
            ),
            playwright=lambda page: page.locator("#save-time, #sheetOk").click(),
        ),
        Step(
            kind="act",
            terse="click cancel for Dr. Moreau",
            chatty="please cancel the Dr. Moreau appointment as well",
            imperative="Click the Cancel button in the Dr. Moreau row",
            check=_check("appts === 'Dr. Ito@Tue 14:30|Dr. Okafor@Fri 08:30'"),
            playwright=lambda page: _row(page, "Dr. Moreau").locator(".cancel, .link-btn").click(),
        ),
        Step(
            kind="extract",
            terse="get the time of the Dr. Ito appointment",
            chatty="when is the appointment with Dr. Ito now?",
            imperative="Extract the time shown for the Dr. Ito appointment",
            check=_check("appts === 'Dr. Ito@Tue 14:30|Dr. Okafor@Fri 08:30'"),
            playwright=lambda page: _when(page, "Dr. Ito"),
            expected="Tue 14:30",
        ),
    ),
)
