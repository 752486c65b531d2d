function __netnat_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __netnat_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __netnat_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __netnat_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __netnat_parse_tokens -S
    set -l unparsed_tokens (__netnat_tokens -pc)
    switch $unparsed_tokens[1]
    case 'netnat'
        __netnat_parse_subcommand 0 'h/help'
        switch $unparsed_tokens[1]
        case 'new'
            __netnat_parse_subcommand 1 'state-dir=' 'host=' 'n/no-stdin' 'format=' 'o/fields=' 'no-headings' 'name' 'internal-ip-interface-address-prefix=' 'external-ip-interface-address-prefix=' 'allow-multiple' 'h/help'
        case 'get'
            __netnat_parse_subcommand -r 1 'state-dir=' 'host=' 'n/no-stdin' 'format=' 'o/fields=' 'no-headings' 'name' 'h/help'
        case 'remove'
            __netnat_parse_subcommand -r 1 'state-dir=' 'host=' 'n/no-stdin' 'passthru' 'stop-on-error' 'format=' 'all' 'h/help'
        case 'mapping'
            __netnat_parse_subcommand 0 'h/help'
            switch $unparsed_tokens[1]
            case 'add'
                __netnat_parse_subcommand 1 'state-dir=' 'host=' 'n/no-stdin' 'format=' 'o/fields=' 'no-headings' 'name' 'protocol=' 'external-ip-address=' 'external-port=' 'internal-ip-address=' 'internal-port=' 'h/help'
            case 'get'
                __netnat_parse_subcommand -r 1 'state-dir=' 'host=' 'n/no-stdin' 'format=' 'o/fields=' 'no-headings' 'name' 'nat-name=' 'h/help'
            case 'remove'
                __netnat_parse_subcommand -r 1 'state-dir=' 'host=' 'n/no-stdin' 'passthru' 'stop-on-error' 'format=' 'h/help'
            end
        case 'help'
            __netnat_parse_subcommand -r 1 
        end
    end
end

function __netnat_tokens
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __netnat_parse_subcommand -S -a positional_count
    argparse -s r -- $argv
    set -l option_specs $argv[2..]
    set -l is_repeating_positional $_flag_r
    set -el _flag_r
    set -a commands $unparsed_tokens[1]
    set positional_index 0
    while true
        set -e unparsed_tokens[1]
        argparse -sn "$commands" $option_specs -- $unparsed_tokens 2> /dev/null
        set unparsed_tokens $argv
        set positional_index (math $positional_index + 1)
        for non_repeating_flag_or_option in $non_repeating_flags_or_options
            if set -ql "_flag_$(string replace -a - _ -- $non_repeating_flag_or_option)"
                set non_repeating_flags_or_options_absent 1
                break
            end
        end
        test (count $unparsed_tokens) -eq 0 -o \( -z "$is_repeating_positional" -a "$positional_index" -gt "$positional_count" \) && break
    end
end

function __netnat_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __netnat_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__netnat_tokens -p)
    if test -z "$(__netnat_tokens -t)"
        set -l index (count (__netnat_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'netnat' -f
complete -c 'netnat' -n '__netnat_should_offer_completions_for_flags_or_options "netnat" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'netnat' -n '__netnat_should_offer_completions_for_positional "netnat" -eq 1' -fa 'new' -d 'Create a NAT (New-NetNat).'
complete -c 'netnat' -n '__netnat_should_offer_completions_for_positional "netnat" -eq 1' -fa 'get' -d 'List NATs (Get-NetNat).'
complete -c 'netnat' -n '__netnat_should_offer_completions_for_positional "netnat" -eq 1' -fa 'remove' -d 'Remove NATs and their static mappings (Remove-NetNat).'
complete -c 'netnat' -n '__netnat_should_offer_completions_for_positional "netnat" -eq 1' -fa 'mapping' -d 'Static port mappings through a NAT (Add/Get/Remove-NetNatStaticMapping).'
complete -c 'netnat' -n '__netnat_should_offer_completions_for_positional "netnat" -eq 1' -fa 'help' -d 'Show subcommand help information.'
complete -c 'netnat' -n '__netnat_should_offer_completions_for_flags_or_options "netnat new" state-dir' -l 'state-dir' -d 'The state directory (default: $NESTVM_HOME, else ${XDG_STATE_HOME:-~/.local/state}/nestvm).' -rfa '(__netnat_complete_directories)'
complete -c 'netnat' -n '__netnat_should_offer_completions_for_flags_or_options "netnat new" computer-name host' -l 'host' -l 'computer-name' -d 'Act inside this VM\'s inventory (a VM running a hypervisor), or lab1/nested1 for deeper levels (default: $NESTVM_HOST, else localhost).' -rfka '(__netnat_custom_completion ---completion new -- --host (count (__netnat_tokens -pc)) (__netnat_tokens -tC))'
complete -c 'netnat' -n '__netnat_should_offer_completions_for_flags_or_options "netnat new" n no-stdin' -s 'n' -l 'no-stdin' -d 'Read no records from stdin (use it inside `while read` loops, whose input is not for nestvm).'
complete -c 'netnat' -n '__netnat_should_offer_completions_for_flags_or_options "netnat new" format' -l 'format' -d 'Output format: json (JSON Lines), table, list or tsv (default: table on a terminal, else json).' -rfka 'json table list tsv'
complete -c 'netnat' -n '__netnat_should_offer_completions_for_flags_or_options "netnat new" fields o' -s 'o' -l 'fields' -d 'Only these keys, comma-separated, in this order.' -rfka ''
complete -c 'netnat' -n '__netnat_should_offer_completions_for_flags_or_options "netnat new" no-headings' -l 'no-headings' -d 'Leave out the heading lines of table and tsv output.'
complete -c 'netnat' -n '__netnat_should_offer_completions_for_flags_or_options "netnat new" name' -l 'name' -d 'Print only names, one per line (for xargs and scripts).'
complete -c 'netnat' -n '__netnat_should_offer_completions_for_flags_or_options "netnat new" internal-ip-interface-address-prefix internal-prefix' -l 'internal-ip-interface-address-prefix' -l 'internal-prefix' -d 'The internal network, e.g. 192.168.100.0/24.' -rfka ''
complete -c 'netnat' -n '__netnat_should_offer_completions_for_flags_or_options "netnat new" external-ip-interface-address-prefix external-prefix' -l 'external-ip-interface-address-prefix' -l 'external-prefix' -d 'The external network, when it must be fixed.' -rfka ''
complete -c 'netnat' -n '__netnat_should_offer_completions_for_flags_or_options "netnat new" allow-multiple' -l 'allow-multiple' -d 'Allow more than one NAT on this host (WinNAT allows one).'
complete -c 'netnat' -n '__netnat_should_offer_completions_for_flags_or_options "netnat new" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'netnat' -n '__netnat_should_offer_completions_for_flags_or_options "netnat get" state-dir' -l 'state-dir' -d 'The state directory (default: $NESTVM_HOME, else ${XDG_STATE_HOME:-~/.local/state}/nestvm).' -rfa '(__netnat_complete_directories)'
complete -c 'netnat' -n '__netnat_should_offer_completions_for_flags_or_options "netnat get" computer-name host' -l 'host' -l 'computer-name' -d 'Act inside this VM\'s inventory (a VM running a hypervisor), or lab1/nested1 for deeper levels (default: $NESTVM_HOST, else localhost).' -rfka '(__netnat_custom_completion ---completion get -- --host (count (__netnat_tokens -pc)) (__netnat_tokens -tC))'
complete -c 'netnat' -n '__netnat_should_offer_completions_for_flags_or_options "netnat get" n no-stdin' -s 'n' -l 'no-stdin' -d 'Read no records from stdin (use it inside `while read` loops, whose input is not for nestvm).'
complete -c 'netnat' -n '__netnat_should_offer_completions_for_flags_or_options "netnat get" format' -l 'format' -d 'Output format: json (JSON Lines), table, list or tsv (default: table on a terminal, else json).' -rfka 'json table list tsv'
complete -c 'netnat' -n '__netnat_should_offer_completions_for_flags_or_options "netnat get" fields o' -s 'o' -l 'fields' -d 'Only these keys, comma-separated, in this order.' -rfka ''
complete -c 'netnat' -n '__netnat_should_offer_completions_for_flags_or_options "netnat get" no-headings' -l 'no-headings' -d 'Leave out the heading lines of table and tsv output.'
complete -c 'netnat' -n '__netnat_should_offer_completions_for_flags_or_options "netnat get" name' -l 'name' -d 'Print only names, one per line (for xargs and scripts).'
complete -c 'netnat' -n '__netnat_should_offer_completions_for_positional "netnat get" -ge 1' -fka '(__netnat_custom_completion ---completion get -- positional@0 (count (__netnat_tokens -pc)) (__netnat_tokens -tC))'
complete -c 'netnat' -n '__netnat_should_offer_completions_for_flags_or_options "netnat get" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'netnat' -n '__netnat_should_offer_completions_for_flags_or_options "netnat remove" state-dir' -l 'state-dir' -d 'The state directory (default: $NESTVM_HOME, else ${XDG_STATE_HOME:-~/.local/state}/nestvm).' -rfa '(__netnat_complete_directories)'
complete -c 'netnat' -n '__netnat_should_offer_completions_for_flags_or_options "netnat remove" computer-name host' -l 'host' -l 'computer-name' -d 'Act inside this VM\'s inventory (a VM running a hypervisor), or lab1/nested1 for deeper levels (default: $NESTVM_HOST, else localhost).' -rfka '(__netnat_custom_completion ---completion remove -- --host (count (__netnat_tokens -pc)) (__netnat_tokens -tC))'
complete -c 'netnat' -n '__netnat_should_offer_completions_for_flags_or_options "netnat remove" n no-stdin' -s 'n' -l 'no-stdin' -d 'Read no records from stdin (use it inside `while read` loops, whose input is not for nestvm).'
complete -c 'netnat' -n '__netnat_should_offer_completions_for_flags_or_options "netnat remove" passthru' -l 'passthru' -d 'Print the changed objects as records, so a pipeline can go on.'
complete -c 'netnat' -n '__netnat_should_offer_completions_for_flags_or_options "netnat remove" stop-on-error' -l 'stop-on-error' -d 'Stop at the first object that fails instead of going on with the rest.'
complete -c 'netnat' -n '__netnat_should_offer_completions_for_flags_or_options "netnat remove" format' -l 'format' -d 'Format of what --passthru prints: json, table, list or tsv (default: table on a terminal, else json).' -rfka 'json table list tsv'
complete -c 'netnat' -n '__netnat_should_offer_completions_for_positional "netnat remove" -ge 1' -fka '(__netnat_custom_completion ---completion remove -- positional@0 (count (__netnat_tokens -pc)) (__netnat_tokens -tC))'
complete -c 'netnat' -n '__netnat_should_offer_completions_for_flags_or_options "netnat remove" all' -l 'all' -d 'Remove every NAT on the host.'
complete -c 'netnat' -n '__netnat_should_offer_completions_for_flags_or_options "netnat remove" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'netnat' -n '__netnat_should_offer_completions_for_flags_or_options "netnat mapping" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'netnat' -n '__netnat_should_offer_completions_for_positional "netnat mapping" -eq 1' -fa 'add' -d 'Map an external port to an internal address and port (Add-NetNatStaticMapping).'
complete -c 'netnat' -n '__netnat_should_offer_completions_for_positional "netnat mapping" -eq 1' -fa 'get' -d 'List static mappings (Get-NetNatStaticMapping).'
complete -c 'netnat' -n '__netnat_should_offer_completions_for_positional "netnat mapping" -eq 1' -fa 'remove' -d 'Remove static mappings by StaticMappingID (Remove-NetNatStaticMapping).'
complete -c 'netnat' -n '__netnat_should_offer_completions_for_flags_or_options "netnat mapping add" state-dir' -l 'state-dir' -d 'The state directory (default: $NESTVM_HOME, else ${XDG_STATE_HOME:-~/.local/state}/nestvm).' -rfa '(__netnat_complete_directories)'
complete -c 'netnat' -n '__netnat_should_offer_completions_for_flags_or_options "netnat mapping add" computer-name host' -l 'host' -l 'computer-name' -d 'Act inside this VM\'s inventory (a VM running a hypervisor), or lab1/nested1 for deeper levels (default: $NESTVM_HOST, else localhost).' -rfka '(__netnat_custom_completion ---completion mapping add -- --host (count (__netnat_tokens -pc)) (__netnat_tokens -tC))'
complete -c 'netnat' -n '__netnat_should_offer_completions_for_flags_or_options "netnat mapping add" n no-stdin' -s 'n' -l 'no-stdin' -d 'Read no records from stdin (use it inside `while read` loops, whose input is not for nestvm).'
complete -c 'netnat' -n '__netnat_should_offer_completions_for_flags_or_options "netnat mapping add" format' -l 'format' -d 'Output format: json (JSON Lines), table, list or tsv (default: table on a terminal, else json).' -rfka 'json table list tsv'
complete -c 'netnat' -n '__netnat_should_offer_completions_for_flags_or_options "netnat mapping add" fields o' -s 'o' -l 'fields' -d 'Only these keys, comma-separated, in this order.' -rfka ''
complete -c 'netnat' -n '__netnat_should_offer_completions_for_flags_or_options "netnat mapping add" no-headings' -l 'no-headings' -d 'Leave out the heading lines of table and tsv output.'
complete -c 'netnat' -n '__netnat_should_offer_completions_for_flags_or_options "netnat mapping add" name' -l 'name' -d 'Print only names, one per line (for xargs and scripts).'
complete -c 'netnat' -n '__netnat_should_offer_completions_for_positional "netnat mapping add" -eq 1' -fka '(__netnat_custom_completion ---completion mapping add -- positional@0 (count (__netnat_tokens -pc)) (__netnat_tokens -tC))'
complete -c 'netnat' -n '__netnat_should_offer_completions_for_flags_or_options "netnat mapping add" protocol' -l 'protocol' -d 'tcp or udp.' -rfka ''
complete -c 'netnat' -n '__netnat_should_offer_completions_for_flags_or_options "netnat mapping add" external-ip-address' -l 'external-ip-address' -d 'The external address (0.0.0.0 for any).' -rfka ''
complete -c 'netnat' -n '__netnat_should_offer_completions_for_flags_or_options "netnat mapping add" external-port' -l 'external-port' -d 'The external port.' -rfka ''
complete -c 'netnat' -n '__netnat_should_offer_completions_for_flags_or_options "netnat mapping add" internal-ip-address' -l 'internal-ip-address' -d 'The address behind the NAT.' -rfka ''
complete -c 'netnat' -n '__netnat_should_offer_completions_for_flags_or_options "netnat mapping add" internal-port' -l 'internal-port' -d 'The internal port (default: the external port).' -rfka ''
complete -c 'netnat' -n '__netnat_should_offer_completions_for_flags_or_options "netnat mapping add" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'netnat' -n '__netnat_should_offer_completions_for_flags_or_options "netnat mapping get" state-dir' -l 'state-dir' -d 'The state directory (default: $NESTVM_HOME, else ${XDG_STATE_HOME:-~/.local/state}/nestvm).' -rfa '(__netnat_complete_directories)'
complete -c 'netnat' -n '__netnat_should_offer_completions_for_flags_or_options "netnat mapping get" computer-name host' -l 'host' -l 'computer-name' -d 'Act inside this VM\'s inventory (a VM running a hypervisor), or lab1/nested1 for deeper levels (default: $NESTVM_HOST, else localhost).' -rfka '(__netnat_custom_completion ---completion mapping get -- --host (count (__netnat_tokens -pc)) (__netnat_tokens -tC))'
complete -c 'netnat' -n '__netnat_should_offer_completions_for_flags_or_options "netnat mapping get" n no-stdin' -s 'n' -l 'no-stdin' -d 'Read no records from stdin (use it inside `while read` loops, whose input is not for nestvm).'
complete -c 'netnat' -n '__netnat_should_offer_completions_for_flags_or_options "netnat mapping get" format' -l 'format' -d 'Output format: json (JSON Lines), table, list or tsv (default: table on a terminal, else json).' -rfka 'json table list tsv'
complete -c 'netnat' -n '__netnat_should_offer_completions_for_flags_or_options "netnat mapping get" fields o' -s 'o' -l 'fields' -d 'Only these keys, comma-separated, in this order.' -rfka ''
complete -c 'netnat' -n '__netnat_should_offer_completions_for_flags_or_options "netnat mapping get" no-headings' -l 'no-headings' -d 'Leave out the heading lines of table and tsv output.'
complete -c 'netnat' -n '__netnat_should_offer_completions_for_flags_or_options "netnat mapping get" name' -l 'name' -d 'Print only names, one per line (for xargs and scripts).'
complete -c 'netnat' -n '__netnat_should_offer_completions_for_flags_or_options "netnat mapping get" nat-name' -l 'nat-name' -d 'Only this NAT\'s mappings.' -rfka '(__netnat_custom_completion ---completion mapping get -- --nat-name (count (__netnat_tokens -pc)) (__netnat_tokens -tC))'
complete -c 'netnat' -n '__netnat_should_offer_completions_for_flags_or_options "netnat mapping get" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'netnat' -n '__netnat_should_offer_completions_for_flags_or_options "netnat mapping remove" state-dir' -l 'state-dir' -d 'The state directory (default: $NESTVM_HOME, else ${XDG_STATE_HOME:-~/.local/state}/nestvm).' -rfa '(__netnat_complete_directories)'
complete -c 'netnat' -n '__netnat_should_offer_completions_for_flags_or_options "netnat mapping remove" computer-name host' -l 'host' -l 'computer-name' -d 'Act inside this VM\'s inventory (a VM running a hypervisor), or lab1/nested1 for deeper levels (default: $NESTVM_HOST, else localhost).' -rfka '(__netnat_custom_completion ---completion mapping remove -- --host (count (__netnat_tokens -pc)) (__netnat_tokens -tC))'
complete -c 'netnat' -n '__netnat_should_offer_completions_for_flags_or_options "netnat mapping remove" n no-stdin' -s 'n' -l 'no-stdin' -d 'Read no records from stdin (use it inside `while read` loops, whose input is not for nestvm).'
complete -c 'netnat' -n '__netnat_should_offer_completions_for_flags_or_options "netnat mapping remove" passthru' -l 'passthru' -d 'Print the changed objects as records, so a pipeline can go on.'
complete -c 'netnat' -n '__netnat_should_offer_completions_for_flags_or_options "netnat mapping remove" stop-on-error' -l 'stop-on-error' -d 'Stop at the first object that fails instead of going on with the rest.'
complete -c 'netnat' -n '__netnat_should_offer_completions_for_flags_or_options "netnat mapping remove" format' -l 'format' -d 'Format of what --passthru prints: json, table, list or tsv (default: table on a terminal, else json).' -rfka 'json table list tsv'
complete -c 'netnat' -n '__netnat_should_offer_completions_for_flags_or_options "netnat mapping remove" h help' -s 'h' -l 'help' -d 'Show help information.'
