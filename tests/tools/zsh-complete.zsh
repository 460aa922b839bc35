# SPDX-License-Identifier: LGPL-2.1-or-later
# zsh -f zsh-complete.zsh FPATH_DIR 'WORDS' OUT: the completions an
# interactive zsh (compinit, FPATH_DIR first in $fpath) offers when Tab is
# pressed after WORDS, one a line on stdout, sorted. Each match that a
# completion function adds goes through a compadd wrapper into OUT.
zmodload zsh/zpty || exit 2
: >"$3"
zpty z zsh -f -i
zpty -w z "PROMPT='>'; fpath=($1 \$fpath); autoload -Uz compinit; compinit -u -D"
zpty -w z 'compadd() { local -a __a; builtin compadd -O __a "$@"; print -rl -- ${^__a} >>'"$3"'; builtin compadd "$@"; }'
zpty -w z "$2"$'\t'
# A marker after the completion: once it is echoed back, the matches are in OUT.
zpty -w z $'\C-u'"print DO""NE"
local line
while zpty -r z line; do [[ $line == *DONE* ]] && break; done
zpty -d z
sort -u "$3"
