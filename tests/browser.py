"What the browser tests share: Debian's chromium, installed with apt if missing, never a downloaded browser."
import shutil, subprocess
import pytest

def chromium() -> str:
    "The path of Debian's chromium, installed with apt if it is missing."
    exe = shutil.which('chromium')
    if exe: return exe
    r = subprocess.run('apt-get update && apt-get install -y chromium', shell=True, capture_output=True, text=True, timeout=600)
    exe = shutil.which('chromium')
    if not exe: pytest.fail(f'chromium is missing and could not be installed (apt-get install -y chromium):\n{r.stdout[-1500:]}{r.stderr[-1500:]}')
    return exe

# Headless chromium, no background traffic; and a page that is never throttled as a background tab (a persistent
# context opens with a blank page of its own, and a second page's timers would run at a fraction of their rate).
FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-quic',
         '--disable-sync', '--no-first-run', '--disable-background-timer-throttling', '--disable-renderer-backgrounding',
         '--disable-backgrounding-occluded-windows']

def open_page(pw, profile, **kw):
    "A persistent chromium context on `profile` and its own first page, in front: `(context, page)`."
    context = pw.chromium.launch_persistent_context(str(profile), executable_path=chromium(), headless=True, args=FLAGS, **kw)
    page = context.pages[0] if context.pages else context.new_page()
    page.bring_to_front()
    return context, page
