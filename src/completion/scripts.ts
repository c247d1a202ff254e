/**
 * The completion scripts `wan completion <shell>` prints. Each is a thin shim: it hands the words
 * before the cursor to `wan __complete -- <words…>` and turns the answer (one `value` or
 * `value<TAB>description` per line, then `:files`/`:dirs`, or `:images`/`:clips`/`:media`/`:audio` for an
 * input flag's files, when paths should be completed) into the
 * shell's own completions. All the knowledge stays in complete.ts, tested once.
 */
export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

export function completionScript(shell: Shell): string {
  return SCRIPTS[shell];
}

// Written for bash 3.2 (macOS) too: no ${a[-1]}, no mapfile, compopt only where it exists.
// With bash-completion, _get_comp_words_by_ref -n =: keeps `--size=832*480` and `16:9` whole;
// without it, the line up to the cursor is split on blanks. Either way COMPREPLY is trimmed back to
// the piece bash itself treats as the current word (it splits at COMP_WORDBREAKS, e.g. `:`, `=`).
const BASH = `# bash completion for wan                                  -*- shell-script -*-
# Install: source <(wan completion bash)
#      or: wan completion bash > ~/.local/share/bash-completion/completions/wan

_wan_completion() {
    local cur cword
    local -a words
    if declare -F _get_comp_words_by_ref >/dev/null 2>&1; then
        _get_comp_words_by_ref -n =: -c cur -w words -i cword
    else
        local line="\${COMP_LINE:0:COMP_POINT}"
        read -r -a words <<< "$line"
        if [[ -z "$line" || "$line" == *[[:space:]] ]]; then words[\${#words[@]}]=""; fi
        cword=$(( \${#words[@]} - 1 ))
        cur="\${words[cword]}"
    fi

    local out
    out=$(wan __complete -- "\${words[@]:1:cword-1}" "$cur" 2>/dev/null) || return 0

    local IFS=$'\\n' entry directive="" real strip=0
    real="\${COMP_WORDS[COMP_CWORD]}"
    if [[ "$cur" == *"$real" && \${#cur} -gt \${#real} ]]; then strip=$(( \${#cur} - \${#real} )); fi
    COMPREPLY=()
    for entry in $out; do
        case "$entry" in
            :files|:dirs|:images|:clips|:media|:audio) directive="\${entry#:}" ;;
            *)
                entry="\${entry%%$'\\t'*}"
                entry="\${entry:strip}"
                if [[ "$cur" != [\\"\\']* ]]; then printf -v entry '%q' "$entry"; fi
                COMPREPLY[\${#COMPREPLY[@]}]="$entry"
                ;;
        esac
    done
    if [[ -n "$directive" ]]; then
        if type compopt >/dev/null 2>&1; then compopt -o filenames 2>/dev/null; fi
        if [[ "$directive" == dirs ]]; then
            COMPREPLY=( $(compgen -d -- "$real") )
        elif [[ "$directive" == files ]]; then
            COMPREPLY=( $(compgen -f -- "$real") )
        else
            # An input flag: directories, and the files of its kind by extension (either case).
            local f pattern
            case "$directive" in
                images) pattern='[.]([pP][nN][gG]|[jJ][pP][eE]?[gG]|[bB][mM][pP]|[wW][eE][bB][pP])$' ;;
                clips) pattern='[.]([mM][pP]4|[mM][oO][vV])$' ;;
                media) pattern='[.]([pP][nN][gG]|[jJ][pP][eE]?[gG]|[bB][mM][pP]|[wW][eE][bB][pP]|[mM][pP]4|[mM][oO][vV])$' ;;
                *) pattern='[.]([wW][aA][vV]|[mM][pP]3)$' ;;
            esac
            for f in $(compgen -f -- "$real"); do
                if [[ -d "$f" || "$f" =~ $pattern ]]; then COMPREPLY[\${#COMPREPLY[@]}]="$f"; fi
            done
        fi
    fi
    return 0
}

complete -F _wan_completion wan
`;

const ZSH = `#compdef wan
# zsh completion for wan
# Install: wan completion zsh > "\${fpath[1]}/_wan"   (then start a new shell)
#      or, after compinit in ~/.zshrc: source <(wan completion zsh)

_wan() {
    local -a lines described
    local line value directive=''
    lines=("\${(@f)$(wan __complete -- "\${(@Q)words[2,CURRENT-1]}" "\${(Q)PREFIX}" 2>/dev/null)}")
    for line in "\${lines[@]}"; do
        case "$line" in
            '') ;;
            :files|:dirs|:images|:clips|:media|:audio) directive="\${line#:}" ;;
            *)
                value="\${line%%$'\\t'*}"
                value="\${value//:/\\\\:}"
                if [[ "$line" == *$'\\t'* ]]; then
                    described+=("$value:\${line#*$'\\t'}")
                else
                    described+=("$value")
                fi
                ;;
        esac
    done
    case "$directive" in
        files) _files; return ;;
        dirs) _files -/; return ;;
        images) _files -g '*.(png|jpg|jpeg|bmp|webp|PNG|JPG|JPEG|BMP|WEBP)'; return ;;
        clips) _files -g '*.(mp4|mov|MP4|MOV)'; return ;;
        media) _files -g '*.(png|jpg|jpeg|bmp|webp|mp4|mov|PNG|JPG|JPEG|BMP|WEBP|MP4|MOV)'; return ;;
        audio) _files -g '*.(wav|mp3|WAV|MP3)'; return ;;
    esac
    (( \${#described} )) || return 1
    _describe -t wan 'wan' described
}

if [[ "\${funcstack[1]}" == _wan ]]; then
    _wan "$@"
elif (( \${+functions[compdef]} )); then
    compdef _wan wan
fi
`;

// commandline -opc: the tokens before the cursor, unescaped; -ct: the token being completed.
const FISH = `# fish completion for wan
# Install: wan completion fish > ~/.config/fish/completions/wan.fish

function __wan_complete
    set -l tokens (commandline -opc)
    set -e tokens[1]
    set -l current (commandline -ct)
    for line in (wan __complete -- $tokens "$current" 2>/dev/null)
        switch $line
            case ':files'
                __fish_complete_path "$current"
            case ':dirs'
                __fish_complete_directories "$current"
            case ':images'
                __fish_complete_path "$current" | string match -r -i -- '^[^\t]*(/|.(png|jpe?g|bmp|webp))(\t.*)?$'
            case ':clips'
                __fish_complete_path "$current" | string match -r -i -- '^[^\t]*(/|.(mp4|mov))(\t.*)?$'
            case ':media'
                __fish_complete_path "$current" | string match -r -i -- '^[^\t]*(/|.(png|jpe?g|bmp|webp|mp4|mov))(\t.*)?$'
            case ':audio'
                __fish_complete_path "$current" | string match -r -i -- '^[^\t]*(/|.(wav|mp3))(\t.*)?$'
            case '*'
                echo $line
        end
    end
end

complete -c wan -f -a '(__wan_complete)'
`;

const SCRIPTS: Record<Shell, string> = { bash: BASH, zsh: ZSH, fish: FISH };
