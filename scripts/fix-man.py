#!/usr/bin/env python3
"""Finishes the man pages swift-argument-parser generates (make man), for each page given:

- the hidden `worker` and `switch` subcommands of vmrun are left out (running VMs spawn them; they are not for
  users);
- blank lines, which mdoc warns about, become paragraph breaks (.Pp);
- the exit statuses, which the tools' help gives in one sentence, become the EXIT STATUS section instead of
  the plugin's generic "exits 0 on success, and >0 if an error occurs";
- a SEE ALSO section names nestvm(7) and the other tools.
"""
import re
import sys

TOOLS = ["vmrun", "vmproc", "vmnet", "vmswitch", "netnat"]


def fix(text, tool):
    lines = text.split("\n")
    out, skip = [], False
    for line in lines:
        if line in (".It Em worker", ".It Em switch"):
            skip = True
            continue
        if skip:
            if line == ".El":
                skip = False
            continue
        out.append(line)
    lines = [".Pp" if line == "" else line for line in out[:-1]] + [out[-1]]
    # The exit-status sentence from the description.
    sentence = next((line for line in lines if line.startswith("Exit status: ")), None)
    if sentence is None:
        sys.exit(f"fix-man: {tool}.1 has no exit-status sentence")
    lines.remove(sentence)
    statuses = re.findall(r"(\d+) (.*?)(?=; \d+ |\. With several)", sentence[len("Exit status: "):])
    after = sentence[sentence.index(". With several") + 2:]
    section = [".Bl -tag -width 4n"]
    for number, meaning in statuses:
        section += [f".It {number}", meaning[0].upper() + meaning[1:] + "."]
    section += [".El", ".Pp", after]
    index = lines.index(".Ex -std")
    lines[index:index + 1] = section
    others = [t for t in TOOLS if t != tool]
    see_also = [".Sh SEE ALSO", ".Xr nestvm 7 ,"] + [f".Xr {t} 1{' ,' if i < len(others) - 1 else ''}" for i, t in enumerate(others)]
    authors = lines.index(".Sh AUTHORS")
    lines[authors:authors] = see_also
    return "\n".join(lines)


for path in sys.argv[1:]:
    tool = path.rsplit("/", 1)[-1].split(".")[0]
    with open(path) as f:
        text = f.read()
    with open(path, "w") as f:
        f.write(fix(text, tool))
