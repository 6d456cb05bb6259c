"""Knowledge topics the seed generator turns into articles: one article per title.

Each article mixes one symptom, one cause and a few steps of its topic; ``{placeholders}`` are
filled per article (VPN client, ERP system, printer, city, domain...).
"""

from __future__ import annotations

from typing import NamedTuple


class Topic(NamedTuple):
    """A knowledge topic: each title makes one article; the rest is mixed per article."""

    category: str
    titles: tuple[str, ...]
    symptoms: tuple[str, ...]
    causes: tuple[str, ...]
    steps: tuple[str, ...]


TOPICS = (
    Topic(
        "Network",
        (
            "VPN disconnects every few minutes",
            "Cannot connect to the VPN from home",
            "VPN connected but internal sites do not load",
            "How to install and configure the {vpn} VPN client",
        ),
        (
            "The {vpn} client shows 'Connection failed' or drops the tunnel repeatedly.",
            "The VPN connects, but intranet pages and file shares time out.",
        ),
        (
            "An outdated {vpn} client that no longer matches the gateway configuration.",
            "A home router blocking UDP 4501 or a captive portal on public Wi-Fi.",
            "DNS settings left over from a previous network.",
        ),
        (
            "Restart the {vpn} client and sign in again with your network account.",
            "Check that the device has internet access without the VPN.",
            "Update the {vpn} client from the Software Center.",
            "Run 'ipconfig /flushdns' in a command prompt.",
            "Switch from Wi-Fi to a wired connection to rule out interference.",
            "Select the nearest gateway ({city}) in the client settings.",
        ),
    ),
    Topic(
        "Accounts",
        (
            "Reset your network password with self-service",
            "Password expired: how to change it before signing in",
            "Account locked out after too many attempts",
            "Password reset for the {erp} account",
        ),
        (
            "Sign-in fails with 'The user name or password is incorrect'.",
            "You see 'Your account has been locked' on the sign-in screen.",
        ),
        (
            "The password expired after {days} days, per the password policy.",
            "A phone or tablet still uses the old password and locks the account.",
        ),
        (
            "Open the self-service password portal at https://password.{domain}.",
            "Verify your identity with your registered phone number or authenticator app.",
            "Choose a new password of at least 14 characters that you have not used before.",
            "Update the password on your phone's mail app and any mapped drives.",
            "Wait 15 minutes for the account lockout to clear before trying again.",
            "Lock and unlock your laptop while connected to the office network or VPN.",
        ),
    ),
    Topic(
        "Email",
        (
            "Outlook keeps asking for a password",
            "Outlook is stuck on 'Trying to connect'",
            "Outlook search returns no results",
            "Recreate your Outlook profile",
        ),
        (
            "Outlook prompts for credentials again and again and never connects.",
            "New mail does not arrive and the status bar shows 'Disconnected'.",
            "Searching the mailbox finds nothing, even for recent messages.",
        ),
        (
            "A corrupted Outlook profile or OST file.",
            "Stale cached credentials in Windows Credential Manager.",
            "The search index is incomplete after an update.",
        ),
        (
            "Close Outlook and open Control Panel > Mail > Show Profiles.",
            "Remove the Outlook entries from Windows Credential Manager.",
            "Create a new profile and set it as the default.",
            "Rebuild the search index from Indexing Options.",
            "Start Outlook in safe mode with 'outlook.exe /safe' to rule out add-ins.",
            "Check the Service Health page for an active {m365} incident.",
        ),
    ),
    Topic(
        "Printing",
        (
            "Printer shows offline",
            "Print jobs stuck in the queue",
            "Add a network printer on Windows",
            "Scan to email does not send",
        ),
        (
            "Documents stay in the print queue and never print.",
            "The printer {printer} appears as 'Offline' on your laptop.",
            "Scanned documents never reach your mailbox.",
        ),
        (
            "The print spooler service stopped responding.",
            "The printer received a new IP address from DHCP.",
            "The scanner's SMTP relay settings were changed.",
        ),
        (
            "Open Settings > Printers & scanners and remove the printer.",
            "Restart the Print Spooler service or restart your laptop.",
            "Add the printer again from \\\\print.{domain}\\{printer}.",
            "Print a test page from the printer's own panel.",
            "Check that the printer has paper, toner and no open trays.",
            "Ask the site coordinator to power-cycle the printer.",
        ),
    ),
    Topic(
        "Network",
        (
            "Cannot connect to the office Wi-Fi",
            "Wi-Fi keeps dropping in meeting rooms",
            "Connect a new device to {ssid}",
            "Guest Wi-Fi access for visitors",
        ),
        (
            "The laptop sees {ssid} but cannot connect.",
            "The connection drops when moving between floors.",
        ),
        (
            "An expired device certificate for {ssid}.",
            "An outdated wireless driver.",
            "Overloaded access points in busy areas.",
        ),
        (
            "Forget the {ssid} network and connect again.",
            "Update the wireless driver from the Software Center.",
            "Turn Wi-Fi off and on, or enable airplane mode for ten seconds.",
            "Make sure the laptop date and time are correct.",
            "Request a guest voucher from reception for visitors.",
        ),
    ),
    Topic(
        "Security",
        (
            "Set up multi-factor authentication (MFA)",
            "New phone: move your MFA to a new device",
            "Not receiving MFA push notifications",
            "Lost phone: sign in without MFA",
        ),
        (
            "The sign-in page asks for approval but no notification arrives.",
            "You replaced your phone and the authenticator app is empty.",
        ),
        (
            "Notifications are disabled for {authenticator}.",
            "The MFA registration is still tied to the old phone.",
        ),
        (
            "Open {authenticator} and pull down to refresh pending requests.",
            "Enable notifications for {authenticator} in your phone settings.",
            "Go to https://mysignins.{domain} and add the new device.",
            "Use a one-time code from the app instead of the push notification.",
            "Call the Service Desk for a temporary access pass if the phone is lost.",
        ),
    ),
    Topic(
        "Hardware",
        (
            "Laptop battery drains quickly",
            "Laptop does not charge",
            "Laptop battery shows 'Consider replacing'",
            "Extend laptop battery life",
        ),
        (
            "The {laptop} battery lasts less than two hours.",
            "The charging light stays off when the adapter is plugged in.",
        ),
        (
            "A worn battery after {cycles} charge cycles.",
            "A faulty or underpowered charger (below 65 W).",
            "Background apps keeping the CPU busy.",
        ),
        (
            "Run the battery report with 'powercfg /batteryreport'.",
            "Try another charger of the same wattage.",
            "Update the BIOS and power management drivers from the Software Center.",
            "Lower screen brightness and use the 'Best battery life' power mode.",
            "Raise a hardware incident if the battery health is below 60%.",
        ),
    ),
    Topic(
        "Collaboration",
        (
            "Teams: others cannot hear me",
            "Teams camera not detected",
            "Teams meetings freeze or lag",
            "Join a Teams meeting from a meeting room",
        ),
        (
            "Participants cannot hear you or your camera shows a black screen.",
            "Video and screen sharing freeze during meetings.",
        ),
        (
            "Teams uses the wrong microphone or camera.",
            "Another application holds the camera.",
            "Low bandwidth on the current network.",
        ),
        (
            "In Teams, open Settings > Devices and pick the right microphone and camera.",
            "Close other apps that may use the camera.",
            "Turn off incoming video to save bandwidth.",
            "Clear the Teams cache and restart the app.",
            "Test your setup with a test call.",
        ),
    ),
    Topic(
        "Storage",
        (
            "OneDrive not syncing",
            "Restore a deleted file from OneDrive",
            "Map a network drive",
            "Shared drive access denied",
        ),
        (
            "OneDrive shows a red cross and files do not sync.",
            "Opening the shared drive shows 'Access is denied'.",
        ),
        (
            "Files with invalid characters or paths longer than 400 characters.",
            "Your access to the share has not been approved yet.",
        ),
        (
            "Click the OneDrive cloud icon and review sync issues.",
            "Pause and resume syncing.",
            "Restore the file from the OneDrive recycle bin within {days} days.",
            "Map the drive with net use Z: \\\\files.{domain}\\shared.",
            "Request access to the share with a work order.",
        ),
    ),
    Topic(
        "Software",
        (
            "Install software from the Software Center",
            "Request software that is not in the catalog",
            "{erp} client does not start",
            "Update your browser to the supported version",
        ),
        (
            "The application is missing or fails to start with an error.",
            "The installation stays at 0% in the Software Center.",
        ),
        (
            "The software is not licensed for your department.",
            "A pending Windows restart blocks the installation.",
        ),
        (
            "Open the Software Center and search for the application.",
            "Restart the laptop to finish pending updates.",
            "Check the Installation Status tab for errors.",
            "Raise a work order with the software name and a cost center.",
        ),
    ),
    Topic(
        "Hardware",
        (
            "Docking station: external monitors not detected",
            "Set up dual monitors",
            "Monitor flickers or shows no signal",
            "Request a new monitor or peripheral",
        ),
        (
            "Monitors connected to the dock stay black.",
            "The monitor shows 'No signal' or flickers.",
        ),
        (
            "Outdated dock firmware.",
            "A loose or damaged DisplayPort or USB-C cable.",
        ),
        (
            "Unplug the dock power for 30 seconds and reconnect.",
            "Update the dock firmware from the Software Center.",
            "Try another cable or another port.",
            "Press Windows + P and choose Extend.",
            "Raise a work order for a replacement monitor.",
        ),
    ),
    Topic(
        "Telephony",
        (
            "Softphone shows 'No service'",
            "Forward your desk phone to your mobile",
            "Set up voicemail PIN",
            "Poor call quality on the softphone",
        ),
        (
            "The softphone cannot register and calls fail.",
            "Callers hear echo or robotic voice during calls.",
        ),
        (
            "The softphone lost its registration after a network change.",
            "A Bluetooth headset switching to the low-quality hands-free profile.",
        ),
        (
            "Sign out of the softphone and sign in again.",
            "Use a wired headset or select the stereo profile of the Bluetooth headset.",
            "Dial *72 followed by the mobile number to forward calls.",
            "Set the voicemail PIN from the telephony self-service portal.",
            "Check the Service Health page for a Telephony outage at {city}.",
        ),
    ),
    Topic(
        "Mobile",
        (
            "Set up work email on an iPhone",
            "Set up work email on an Android phone",
            "Enroll a phone in device management",
            "Company apps missing after phone upgrade",
        ),
        (
            "Mail, calendar or contacts do not sync on the phone.",
            "Company apps are missing from the phone.",
        ),
        (
            "The phone is not enrolled in device management.",
            "The device management profile was removed during the upgrade.",
        ),
        (
            "Install the Company Portal app from the app store.",
            "Sign in with your work account and approve the MFA request.",
            "Accept the device management profile when prompted.",
            "Install Outlook from the Company Portal and add your account.",
            "Keep the phone on the latest OS version.",
        ),
    ),
    Topic(
        "Performance",
        (
            "Laptop is very slow",
            "Disk space low on drive C:",
            "Applications freeze or stop responding",
            "Laptop fan is loud and the laptop runs hot",
        ),
        (
            "The {laptop} takes minutes to start and applications are slow.",
            "Windows warns that drive C: is running out of space.",
        ),
        (
            "Too many applications starting with Windows.",
            "Temporary files and old downloads filling the disk.",
            "Dust blocking the cooling vents.",
        ),
        (
            "Restart the laptop at least once a week.",
            "Run Disk Cleanup and remove temporary files.",
            "Disable unneeded startup apps in Task Manager.",
            "Move large files to OneDrive and free up local space.",
            "Raise a hardware incident if the fan stays loud after a restart.",
        ),
    ),
    Topic(
        "Security",
        (
            "BitLocker recovery key requested at startup",
            "Report a phishing email",
            "Encrypt a USB drive",
            "Laptop lost or stolen: what to do",
        ),
        (
            "The laptop asks for a BitLocker recovery key after an update.",
            "You received a suspicious email asking for your password.",
        ),
        (
            "A firmware update changed the TPM measurements.",
            "A phishing campaign targeting {company} staff.",
        ),
        (
            "Find the recovery key at https://aka.{domain}/recoverykey from another device.",
            "Use the 'Report phishing' button in Outlook.",
            "Do not click links or open attachments in the suspicious email.",
            "Call the Service Desk at once if a device is lost or stolen.",
        ),
    ),
)
