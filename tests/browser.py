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
