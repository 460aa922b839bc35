#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The shell completions of posturectl (completions/): each is loaded the way
# its shell loads it and asked for completions: commands, options before and
# after the command, option values (properties, formats), symptom names in
# both spellings, files; and they know every command and option that
# `posturectl --help` lists.
. "$(dirname "$0")/lib.sh"

# --- bash: COMP_WORDS/COMP_CWORD and the function, as bash-completion calls it.
bash_complete() { # WORDS... (the last one is being completed) -> the matches, sorted, on one line
        bash -c '. completions/posturectl.bash
                COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _posturectl
                printf "%s\n" "${COMPREPLY[@]}" | grep -v "^$" | sort | tr "\n" " "' bash "$@"
}
check_eq "bash: commands" "show snooze status symptoms " "$(bash_complete posturectl s)"
check_eq "bash: a command after a global option" "status " "$(bash_complete posturectl --session sta)"
check_match "bash: status's options" "--json --property --session --system --value" \
        "$(bash_complete posturectl status --)"
check_match "bash: options before the command" "--exit-with-daemon" "$(bash_complete posturectl --e)"
check_eq "bash: -p takes property names" "SnoozedUntil " "$(bash_complete posturectl status -p Sn)"
check_eq "bash: --property=VALUE (bash splits at =)" "SnoozedUntil " \
        "$(bash_complete posturectl status --property = Sn)"
check_eq "bash: monitor --format" "i3bar i3blocks " "$(bash_complete posturectl monitor --format i3)"
check_eq "bash: symptoms in both spellings" "leg-weakness leg_weakness " \
        "$(bash_complete posturectl symptoms leg)"
check_eq "bash: analyze takes recordings" "tests/data/work-session.csv " \
        "$(bash_complete posturectl analyze tests/data/work-)"
check_eq "bash: nothing for an unknown command" "" "$(bash_complete posturectl bogus x)"

# Every command and long option of --help is known to each completion.
help=$("$POSTURECTL" --help)
commands=$(printf '%s\n' "$help" | grep -E '^  [a-z]' | awk '{print $1}' | sort -u)
options=$(printf '%s\n' "$help" | grep -oE -- '--[a-z][a-z-]*' | sort -u)
missing=
for w in $commands $options; do
        for f in completions/posturectl.bash completions/_posturectl completions/posturectl.fish; do
                grep -qw -- "${w#--}" "$f" || missing+=" $w($f)"
        done
done
check_eq "every command and option of --help is in the three completions" "" "$missing"

# --- fish: complete -C, as fish does when Tab is pressed.
if command -v fish >/dev/null; then
        fish_complete() { # LINE -> the matches (without descriptions), on one line
                fish --no-config -c 'source completions/posturectl.fish; complete -C $argv[1]' "$1" |
                        cut -f1 | sort | tr '\n' ' '
        }
        check_eq "fish: commands" "status " "$(fish_complete 'posturectl sta')"
        check_eq "fish: monitor --format" "i3bar i3blocks " "$(fish_complete 'posturectl monitor --format i3')"
        check_eq "fish: symptoms in both spellings" "leg-weakness leg_weakness " \
                "$(fish_complete 'posturectl symptoms leg')"
        check_match "fish: status's options" "--property .*--value" "$(fish_complete 'posturectl status --')"
        check_eq "fish: -p takes property names" "SnoozedUntil " \
                "$(fish_complete 'posturectl show -p Sn')"
else
        ok "# SKIP fish is not installed"
fi

# --- zsh: an interactive zsh in a pseudo-terminal, Tab, and what compadd got.
if command -v zsh >/dev/null; then
        zsh_complete() { # LINE -> the matches, on one line
                timeout 20 zsh -f tests/tools/zsh-complete.zsh "$top/completions" "$1" "$TMP/zsh.out" |
                        grep -v '^$' | tr '\n' ' '
        }
        check_eq "zsh: commands" "status " "$(zsh_complete 'posturectl sta')"
        check_eq "zsh: monitor --format=" "i3bar i3blocks " "$(zsh_complete 'posturectl monitor --format=i3')"
        check_eq "zsh: symptoms in both spellings" "leg-weakness leg_weakness " \
                "$(zsh_complete 'posturectl symptoms leg')"
        check_eq "zsh: -p takes property names" "SnoozedUntil " \
                "$(zsh_complete 'posturectl show -p Sn')"
else
        ok "# SKIP zsh is not installed"
fi

finish
