"""A race inside a Python subprocess (`python helper_child_race.py`), which exits with its own
status 3. The parent run must report the child's race naming the child's pid, the child's exit
status must stay 3, and the parent exits 66.
"""

import subprocess
import sys
from pathlib import Path

# RACE: SubTally.hits
# CHILD: pid and exit status printed by the parent

if __name__ == "__main__":
    child = Path(__file__).with_name("helper_child_race.py")
    proc = subprocess.Popen([sys.executable, str(child)])
    print("child pid:", proc.pid, flush=True)
    print("child exit status:", proc.wait())
