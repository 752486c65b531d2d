function __vmrun_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __vmrun_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __vmrun_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __vmrun_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __vmrun_parse_tokens -S
    set -l unparsed_tokens (__vmrun_tokens -pc)
    switch $unparsed_tokens[1]
    case 'vmrun'
        __vmrun_parse_subcommand 0 'h/help'
        switch $unparsed_tokens[1]
        case 'new'
            __vmrun_parse_subcommand 1 'state-dir=' 'host=' 'n/no-stdin' 'format=' 'o/fields=' 'no-headings' 'name' 'memory-startup-bytes=' 'processor-count=' 'generation=' 'version=' 'image=' 'command-line=' 'switch-name=' 'notes=' 'h/help'
        case 'get'
            __vmrun_parse_subcommand -r 1 'state-dir=' 'host=' 'n/no-stdin' 'format=' 'o/fields=' 'no-headings' 'name' 'vm-name=+' 'state=+' 'h/help'
        case 'set'
            __vmrun_parse_subcommand -r 1 'state-dir=' 'host=' 'n/no-stdin' 'passthru' 'stop-on-error' 'format=' 'vm-name=+' 'memory-startup-bytes=' 'memory-minimum-bytes=' 'memory-maximum-bytes=' 'dynamic-memory-enabled=' 'image=' 'command-line=' 'notes=' 'automatic-start-action=' 'h/help'
        case 'memory'
            __vmrun_parse_subcommand -r 1 'state-dir=' 'host=' 'n/no-stdin' 'format=' 'o/fields=' 'no-headings' 'name' 'vm-name=+' 'h/help'
        case 'start'
            __vmrun_parse_subcommand -r 1 'state-dir=' 'host=' 'n/no-stdin' 'passthru' 'stop-on-error' 'format=' 'vm-name=+' 'module=+' 'trace=' 'trace-file=' 'h/help'
        case 'run'
            __vmrun_parse_subcommand 1 'state-dir=' 'host=' 'n/no-stdin' 'timeout=' 'max-instructions=' 'module=+' 'trace=' 'trace-file=' 'h/help'
        case 'stop'
            __vmrun_parse_subcommand -r 1 'state-dir=' 'host=' 'n/no-stdin' 'passthru' 'stop-on-error' 'format=' 'vm-name=+' 'turn-off' 'grace=' 'h/help'
        case 'pause'
            __vmrun_parse_subcommand -r 1 'state-dir=' 'host=' 'n/no-stdin' 'passthru' 'stop-on-error' 'format=' 'vm-name=+' 'h/help'
        case 'resume'
            __vmrun_parse_subcommand -r 1 'state-dir=' 'host=' 'n/no-stdin' 'passthru' 'stop-on-error' 'format=' 'vm-name=+' 'h/help'
        case 'console'
            __vmrun_parse_subcommand 1 'state-dir=' 'host=' 'n/no-stdin' 'h/help'
        case 'remove'
            __vmrun_parse_subcommand -r 1 'state-dir=' 'host=' 'n/no-stdin' 'passthru' 'stop-on-error' 'format=' 'vm-name=+' 'force' 'h/help'
        case 'remove-saved-state'
            __vmrun_parse_subcommand -r 1 'state-dir=' 'host=' 'n/no-stdin' 'passthru' 'stop-on-error' 'format=' 'vm-name=+' 'h/help'
        case 'update-version'
            __vmrun_parse_subcommand -r 1 'state-dir=' 'host=' 'n/no-stdin' 'passthru' 'stop-on-error' 'format=' 'vm-name=+' 'h/help'
        case 'help'
            __vmrun_parse_subcommand -r 1 
        end
    end
end

function __vmrun_tokens
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __vmrun_parse_subcommand -S -a positional_count
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

function __vmrun_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __vmrun_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__vmrun_tokens -p)
    if test -z "$(__vmrun_tokens -t)"
        set -l index (count (__vmrun_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'vmrun' -f
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_positional "vmrun" -eq 1' -fa 'new' -d 'Create a VM (New-VM).'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_positional "vmrun" -eq 1' -fa 'get' -d 'List VMs (Get-VM): all, those named, or those piped in.'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_positional "vmrun" -eq 1' -fa 'set' -d 'Change VMs\' memory, image, command line, automatic start action and notes (Set-VM, Set-VMMemory).'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_positional "vmrun" -eq 1' -fa 'memory' -d 'Show VMs\' memory settings (Get-VMMemory); change them with vmrun set.'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_positional "vmrun" -eq 1' -fa 'start' -d 'Start VMs in the background (Start-VM).'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_positional "vmrun" -eq 1' -fa 'run' -d 'Run a VM in the foreground: its serial console on stdout, its exit status as this command\'s.'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_positional "vmrun" -eq 1' -fa 'stop' -d 'Stop VMs (Stop-VM).'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_positional "vmrun" -eq 1' -fa 'pause' -d 'Pause running VMs: their processors stop until resumed (Suspend-VM).'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_positional "vmrun" -eq 1' -fa 'resume' -d 'Resume paused VMs (Resume-VM).'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_positional "vmrun" -eq 1' -fa 'console' -d 'Follow a running VM\'s serial console (COM1) and type to it.'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_positional "vmrun" -eq 1' -fa 'remove' -d 'Remove VMs (Remove-VM).'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_positional "vmrun" -eq 1' -fa 'remove-saved-state' -d 'Discard Saved VMs\' saved state, leaving them Off (Remove-VMSavedState).'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_positional "vmrun" -eq 1' -fa 'update-version' -d 'Upgrade VMs\' configuration version to the newest, 12.0 (Update-VMVersion); the VM must be Off.'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_positional "vmrun" -eq 1' -fa 'help' -d 'Show subcommand help information.'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun new" state-dir' -l 'state-dir' -d 'The state directory (default: $NESTVM_HOME, else ${XDG_STATE_HOME:-~/.local/state}/nestvm).' -rfa '(__vmrun_complete_directories)'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun new" computer-name host' -l 'host' -l 'computer-name' -d 'Act inside this VM\'s inventory (a VM running a hypervisor), or lab1/nested1 for deeper levels (default: $NESTVM_HOST, else localhost).' -rfka '(__vmrun_custom_completion ---completion new -- --host (count (__vmrun_tokens -pc)) (__vmrun_tokens -tC))'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun new" n no-stdin' -s 'n' -l 'no-stdin' -d 'Read no records from stdin (use it inside `while read` loops, whose input is not for nestvm).'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun new" format' -l 'format' -d 'Output format: json (JSON Lines), table, list or tsv (default: table on a terminal, else json).' -rfka 'json table list tsv'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun new" fields o' -s 'o' -l 'fields' -d 'Only these keys, comma-separated, in this order.' -rfka ''
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun new" no-headings' -l 'no-headings' -d 'Leave out the heading lines of table and tsv output.'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun new" name' -l 'name' -d 'Print only names, one per line (for xargs and scripts).'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun new" memory memory-startup-bytes' -l 'memory-startup-bytes' -l 'memory' -d 'Startup memory, e.g. 2G or 512M (default 512M).' -rfka '512M 1G 2G 4G 8G'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun new" cpus processor-count' -l 'processor-count' -l 'cpus' -d 'Virtual processors (default 1).' -rfka ''
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun new" generation' -l 'generation' -d 'Generation 1 or 2 (default 1).' -rfka ''
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun new" version' -l 'version' -d 'Configuration version, e.g. 8.0 (default: the newest, 12.0).' -rfka ''
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun new" image' -l 'image' -d 'The guest image: a shipped guest\'s name or the path of an ELF64 file.' -rfka '(__vmrun_custom_completion ---completion new -- --image (count (__vmrun_tokens -pc)) (__vmrun_tokens -tC))'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun new" command-line' -l 'command-line' -d 'The command line the image boots with (in its boot information).' -rfka ''
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun new" switch-name' -l 'switch-name' -d 'Add a network adapter connected to this switch.' -rfka '(__vmrun_custom_completion ---completion new -- --switch-name (count (__vmrun_tokens -pc)) (__vmrun_tokens -tC))'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun new" notes' -l 'notes' -d 'Free-form notes.' -rfka ''
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun new" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun get" state-dir' -l 'state-dir' -d 'The state directory (default: $NESTVM_HOME, else ${XDG_STATE_HOME:-~/.local/state}/nestvm).' -rfa '(__vmrun_complete_directories)'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun get" computer-name host' -l 'host' -l 'computer-name' -d 'Act inside this VM\'s inventory (a VM running a hypervisor), or lab1/nested1 for deeper levels (default: $NESTVM_HOST, else localhost).' -rfka '(__vmrun_custom_completion ---completion get -- --host (count (__vmrun_tokens -pc)) (__vmrun_tokens -tC))'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun get" n no-stdin' -s 'n' -l 'no-stdin' -d 'Read no records from stdin (use it inside `while read` loops, whose input is not for nestvm).'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun get" format' -l 'format' -d 'Output format: json (JSON Lines), table, list or tsv (default: table on a terminal, else json).' -rfka 'json table list tsv'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun get" fields o' -s 'o' -l 'fields' -d 'Only these keys, comma-separated, in this order.' -rfka ''
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun get" no-headings' -l 'no-headings' -d 'Leave out the heading lines of table and tsv output.'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun get" name' -l 'name' -d 'Print only names, one per line (for xargs and scripts).'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_positional "vmrun get" -ge 1' -fka '(__vmrun_custom_completion ---completion get -- positional@0 (count (__vmrun_tokens -pc)) (__vmrun_tokens -tC))'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun get"' -l 'vm-name' -d 'A VM to act on (repeatable; the same as naming it).' -rfka '(__vmrun_custom_completion ---completion get -- --vm-name (count (__vmrun_tokens -pc)) (__vmrun_tokens -tC))'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun get"' -l 'state' -d 'Only VMs in this state: off, running, saved or paused (repeatable).' -rfka 'off running saved paused'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun get" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun set" state-dir' -l 'state-dir' -d 'The state directory (default: $NESTVM_HOME, else ${XDG_STATE_HOME:-~/.local/state}/nestvm).' -rfa '(__vmrun_complete_directories)'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun set" computer-name host' -l 'host' -l 'computer-name' -d 'Act inside this VM\'s inventory (a VM running a hypervisor), or lab1/nested1 for deeper levels (default: $NESTVM_HOST, else localhost).' -rfka '(__vmrun_custom_completion ---completion set -- --host (count (__vmrun_tokens -pc)) (__vmrun_tokens -tC))'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun set" n no-stdin' -s 'n' -l 'no-stdin' -d 'Read no records from stdin (use it inside `while read` loops, whose input is not for nestvm).'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun set" passthru' -l 'passthru' -d 'Print the changed objects as records, so a pipeline can go on.'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun set" stop-on-error' -l 'stop-on-error' -d 'Stop at the first object that fails instead of going on with the rest.'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun set" format' -l 'format' -d 'Format of what --passthru prints: json, table, list or tsv (default: table on a terminal, else json).' -rfka 'json table list tsv'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_positional "vmrun set" -ge 1' -fka '(__vmrun_custom_completion ---completion set -- positional@0 (count (__vmrun_tokens -pc)) (__vmrun_tokens -tC))'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun set"' -l 'vm-name' -d 'A VM to act on (repeatable; the same as naming it).' -rfka '(__vmrun_custom_completion ---completion set -- --vm-name (count (__vmrun_tokens -pc)) (__vmrun_tokens -tC))'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun set" memory memory-startup-bytes' -l 'memory-startup-bytes' -l 'memory' -d 'Startup memory, e.g. 2G.' -rfka '512M 1G 2G 4G 8G'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun set" memory-minimum-bytes' -l 'memory-minimum-bytes' -d 'Minimum memory under dynamic memory.' -rfka '512M 1G 2G 4G 8G'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun set" memory-maximum-bytes' -l 'memory-maximum-bytes' -d 'Maximum memory under dynamic memory.' -rfka '512M 1G 2G 4G 8G'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun set" dynamic-memory-enabled' -l 'dynamic-memory-enabled' -d 'Turn dynamic memory on or off.' -rfka 'true false'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun set" image' -l 'image' -d 'The guest image: a shipped guest\'s name or the path of an ELF64 file.' -rfka '(__vmrun_custom_completion ---completion set -- --image (count (__vmrun_tokens -pc)) (__vmrun_tokens -tC))'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun set" command-line' -l 'command-line' -d 'The command line the image boots with.' -rfka ''
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun set" notes' -l 'notes' -d 'Free-form notes.' -rfka ''
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun set" automatic-start-action' -l 'automatic-start-action' -d 'Hyper-V\'s AutomaticStartAction: what the VM\'s hypervisor does with it when it starts (StartIfRunning: start it if it was running when the hypervisor last stopped).' -rfka 'Nothing StartIfRunning Start'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun set" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun memory" state-dir' -l 'state-dir' -d 'The state directory (default: $NESTVM_HOME, else ${XDG_STATE_HOME:-~/.local/state}/nestvm).' -rfa '(__vmrun_complete_directories)'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun memory" computer-name host' -l 'host' -l 'computer-name' -d 'Act inside this VM\'s inventory (a VM running a hypervisor), or lab1/nested1 for deeper levels (default: $NESTVM_HOST, else localhost).' -rfka '(__vmrun_custom_completion ---completion memory -- --host (count (__vmrun_tokens -pc)) (__vmrun_tokens -tC))'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun memory" n no-stdin' -s 'n' -l 'no-stdin' -d 'Read no records from stdin (use it inside `while read` loops, whose input is not for nestvm).'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun memory" format' -l 'format' -d 'Output format: json (JSON Lines), table, list or tsv (default: table on a terminal, else json).' -rfka 'json table list tsv'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun memory" fields o' -s 'o' -l 'fields' -d 'Only these keys, comma-separated, in this order.' -rfka ''
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun memory" no-headings' -l 'no-headings' -d 'Leave out the heading lines of table and tsv output.'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun memory" name' -l 'name' -d 'Print only names, one per line (for xargs and scripts).'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_positional "vmrun memory" -ge 1' -fka '(__vmrun_custom_completion ---completion memory -- positional@0 (count (__vmrun_tokens -pc)) (__vmrun_tokens -tC))'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun memory"' -l 'vm-name' -d 'A VM to act on (repeatable; the same as naming it).' -rfka '(__vmrun_custom_completion ---completion memory -- --vm-name (count (__vmrun_tokens -pc)) (__vmrun_tokens -tC))'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun memory" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun start" state-dir' -l 'state-dir' -d 'The state directory (default: $NESTVM_HOME, else ${XDG_STATE_HOME:-~/.local/state}/nestvm).' -rfa '(__vmrun_complete_directories)'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun start" computer-name host' -l 'host' -l 'computer-name' -d 'Act inside this VM\'s inventory (a VM running a hypervisor), or lab1/nested1 for deeper levels (default: $NESTVM_HOST, else localhost).' -rfka '(__vmrun_custom_completion ---completion start -- --host (count (__vmrun_tokens -pc)) (__vmrun_tokens -tC))'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun start" n no-stdin' -s 'n' -l 'no-stdin' -d 'Read no records from stdin (use it inside `while read` loops, whose input is not for nestvm).'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun start" passthru' -l 'passthru' -d 'Print the changed objects as records, so a pipeline can go on.'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun start" stop-on-error' -l 'stop-on-error' -d 'Stop at the first object that fails instead of going on with the rest.'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun start" format' -l 'format' -d 'Format of what --passthru prints: json, table, list or tsv (default: table on a terminal, else json).' -rfka 'json table list tsv'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_positional "vmrun start" -ge 1' -fka '(__vmrun_custom_completion ---completion start -- positional@0 (count (__vmrun_tokens -pc)) (__vmrun_tokens -tC))'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun start"' -l 'vm-name' -d 'A VM to act on (repeatable; the same as naming it).' -rfka '(__vmrun_custom_completion ---completion start -- --vm-name (count (__vmrun_tokens -pc)) (__vmrun_tokens -tC))'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun start"' -l 'module' -d 'A boot module: a file or a shipped guest\'s name, named NAME or after the file (repeatable).' -rF
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun start" trace' -l 'trace' -d 'Record every VM exit as a VMExit record (exits), and every VM entry into a nested guest as a VMEntry record too (entries).' -rfka 'off exits entries'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun start" trace-file' -l 'trace-file' -d 'Where the trace goes: a file, or - for stderr (default: trace.jsonl beside the VM\'s console log).' -rF
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun start" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun run" state-dir' -l 'state-dir' -d 'The state directory (default: $NESTVM_HOME, else ${XDG_STATE_HOME:-~/.local/state}/nestvm).' -rfa '(__vmrun_complete_directories)'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun run" computer-name host' -l 'host' -l 'computer-name' -d 'Act inside this VM\'s inventory (a VM running a hypervisor), or lab1/nested1 for deeper levels (default: $NESTVM_HOST, else localhost).' -rfka '(__vmrun_custom_completion ---completion run -- --host (count (__vmrun_tokens -pc)) (__vmrun_tokens -tC))'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun run" n no-stdin' -s 'n' -l 'no-stdin' -d 'Read no records from stdin (use it inside `while read` loops, whose input is not for nestvm).'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_positional "vmrun run" -eq 1' -fka '(__vmrun_custom_completion ---completion run -- positional@0 (count (__vmrun_tokens -pc)) (__vmrun_tokens -tC))'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun run" timeout' -l 'timeout' -d 'Turn the VM off after this many seconds of wall-clock time (a number, e.g. 30 or 0.5).' -rfka ''
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun run" max-instructions' -l 'max-instructions' -d 'Turn the VM off after this many instructions (all processors together).' -rfka ''
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun run"' -l 'module' -d 'A boot module: a file or a shipped guest\'s name, named NAME or after the file (repeatable).' -rF
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun run" trace' -l 'trace' -d 'Record every VM exit as a VMExit record (exits), and every VM entry into a nested guest as a VMEntry record too (entries).' -rfka 'off exits entries'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun run" trace-file' -l 'trace-file' -d 'Where the trace goes: a file, or - for stderr (default: trace.jsonl beside the VM\'s console log).' -rF
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun run" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun stop" state-dir' -l 'state-dir' -d 'The state directory (default: $NESTVM_HOME, else ${XDG_STATE_HOME:-~/.local/state}/nestvm).' -rfa '(__vmrun_complete_directories)'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun stop" computer-name host' -l 'host' -l 'computer-name' -d 'Act inside this VM\'s inventory (a VM running a hypervisor), or lab1/nested1 for deeper levels (default: $NESTVM_HOST, else localhost).' -rfka '(__vmrun_custom_completion ---completion stop -- --host (count (__vmrun_tokens -pc)) (__vmrun_tokens -tC))'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun stop" n no-stdin' -s 'n' -l 'no-stdin' -d 'Read no records from stdin (use it inside `while read` loops, whose input is not for nestvm).'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun stop" passthru' -l 'passthru' -d 'Print the changed objects as records, so a pipeline can go on.'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun stop" stop-on-error' -l 'stop-on-error' -d 'Stop at the first object that fails instead of going on with the rest.'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun stop" format' -l 'format' -d 'Format of what --passthru prints: json, table, list or tsv (default: table on a terminal, else json).' -rfka 'json table list tsv'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_positional "vmrun stop" -ge 1' -fka '(__vmrun_custom_completion ---completion stop -- positional@0 (count (__vmrun_tokens -pc)) (__vmrun_tokens -tC))'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun stop"' -l 'vm-name' -d 'A VM to act on (repeatable; the same as naming it).' -rfka '(__vmrun_custom_completion ---completion stop -- --vm-name (count (__vmrun_tokens -pc)) (__vmrun_tokens -tC))'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun stop" turn-off' -l 'turn-off' -d 'Turn the VM off at once, without asking the guest (Stop-VM -TurnOff).'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun stop" grace' -l 'grace' -d 'Seconds the guest has to shut down before it is turned off (a number, e.g. 10 or 0.5).' -rfka ''
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun stop" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun pause" state-dir' -l 'state-dir' -d 'The state directory (default: $NESTVM_HOME, else ${XDG_STATE_HOME:-~/.local/state}/nestvm).' -rfa '(__vmrun_complete_directories)'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun pause" computer-name host' -l 'host' -l 'computer-name' -d 'Act inside this VM\'s inventory (a VM running a hypervisor), or lab1/nested1 for deeper levels (default: $NESTVM_HOST, else localhost).' -rfka '(__vmrun_custom_completion ---completion pause -- --host (count (__vmrun_tokens -pc)) (__vmrun_tokens -tC))'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun pause" n no-stdin' -s 'n' -l 'no-stdin' -d 'Read no records from stdin (use it inside `while read` loops, whose input is not for nestvm).'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun pause" passthru' -l 'passthru' -d 'Print the changed objects as records, so a pipeline can go on.'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun pause" stop-on-error' -l 'stop-on-error' -d 'Stop at the first object that fails instead of going on with the rest.'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun pause" format' -l 'format' -d 'Format of what --passthru prints: json, table, list or tsv (default: table on a terminal, else json).' -rfka 'json table list tsv'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_positional "vmrun pause" -ge 1' -fka '(__vmrun_custom_completion ---completion pause -- positional@0 (count (__vmrun_tokens -pc)) (__vmrun_tokens -tC))'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun pause"' -l 'vm-name' -d 'A VM to act on (repeatable; the same as naming it).' -rfka '(__vmrun_custom_completion ---completion pause -- --vm-name (count (__vmrun_tokens -pc)) (__vmrun_tokens -tC))'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun pause" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun resume" state-dir' -l 'state-dir' -d 'The state directory (default: $NESTVM_HOME, else ${XDG_STATE_HOME:-~/.local/state}/nestvm).' -rfa '(__vmrun_complete_directories)'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun resume" computer-name host' -l 'host' -l 'computer-name' -d 'Act inside this VM\'s inventory (a VM running a hypervisor), or lab1/nested1 for deeper levels (default: $NESTVM_HOST, else localhost).' -rfka '(__vmrun_custom_completion ---completion resume -- --host (count (__vmrun_tokens -pc)) (__vmrun_tokens -tC))'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun resume" n no-stdin' -s 'n' -l 'no-stdin' -d 'Read no records from stdin (use it inside `while read` loops, whose input is not for nestvm).'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun resume" passthru' -l 'passthru' -d 'Print the changed objects as records, so a pipeline can go on.'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun resume" stop-on-error' -l 'stop-on-error' -d 'Stop at the first object that fails instead of going on with the rest.'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun resume" format' -l 'format' -d 'Format of what --passthru prints: json, table, list or tsv (default: table on a terminal, else json).' -rfka 'json table list tsv'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_positional "vmrun resume" -ge 1' -fka '(__vmrun_custom_completion ---completion resume -- positional@0 (count (__vmrun_tokens -pc)) (__vmrun_tokens -tC))'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun resume"' -l 'vm-name' -d 'A VM to act on (repeatable; the same as naming it).' -rfka '(__vmrun_custom_completion ---completion resume -- --vm-name (count (__vmrun_tokens -pc)) (__vmrun_tokens -tC))'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun resume" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun console" state-dir' -l 'state-dir' -d 'The state directory (default: $NESTVM_HOME, else ${XDG_STATE_HOME:-~/.local/state}/nestvm).' -rfa '(__vmrun_complete_directories)'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun console" computer-name host' -l 'host' -l 'computer-name' -d 'Act inside this VM\'s inventory (a VM running a hypervisor), or lab1/nested1 for deeper levels (default: $NESTVM_HOST, else localhost).' -rfka '(__vmrun_custom_completion ---completion console -- --host (count (__vmrun_tokens -pc)) (__vmrun_tokens -tC))'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun console" n no-stdin' -s 'n' -l 'no-stdin' -d 'Read no records from stdin (use it inside `while read` loops, whose input is not for nestvm).'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_positional "vmrun console" -eq 1' -fka '(__vmrun_custom_completion ---completion console -- positional@0 (count (__vmrun_tokens -pc)) (__vmrun_tokens -tC))'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun console" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun remove" state-dir' -l 'state-dir' -d 'The state directory (default: $NESTVM_HOME, else ${XDG_STATE_HOME:-~/.local/state}/nestvm).' -rfa '(__vmrun_complete_directories)'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun remove" computer-name host' -l 'host' -l 'computer-name' -d 'Act inside this VM\'s inventory (a VM running a hypervisor), or lab1/nested1 for deeper levels (default: $NESTVM_HOST, else localhost).' -rfka '(__vmrun_custom_completion ---completion remove -- --host (count (__vmrun_tokens -pc)) (__vmrun_tokens -tC))'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun remove" n no-stdin' -s 'n' -l 'no-stdin' -d 'Read no records from stdin (use it inside `while read` loops, whose input is not for nestvm).'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun remove" passthru' -l 'passthru' -d 'Print the changed objects as records, so a pipeline can go on.'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun remove" stop-on-error' -l 'stop-on-error' -d 'Stop at the first object that fails instead of going on with the rest.'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun remove" format' -l 'format' -d 'Format of what --passthru prints: json, table, list or tsv (default: table on a terminal, else json).' -rfka 'json table list tsv'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_positional "vmrun remove" -ge 1' -fka '(__vmrun_custom_completion ---completion remove -- positional@0 (count (__vmrun_tokens -pc)) (__vmrun_tokens -tC))'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun remove"' -l 'vm-name' -d 'A VM to act on (repeatable; the same as naming it).' -rfka '(__vmrun_custom_completion ---completion remove -- --vm-name (count (__vmrun_tokens -pc)) (__vmrun_tokens -tC))'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun remove" force' -l 'force' -d 'Discard a saved state, and remove nested objects with the VM.'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun remove" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun remove-saved-state" state-dir' -l 'state-dir' -d 'The state directory (default: $NESTVM_HOME, else ${XDG_STATE_HOME:-~/.local/state}/nestvm).' -rfa '(__vmrun_complete_directories)'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun remove-saved-state" computer-name host' -l 'host' -l 'computer-name' -d 'Act inside this VM\'s inventory (a VM running a hypervisor), or lab1/nested1 for deeper levels (default: $NESTVM_HOST, else localhost).' -rfka '(__vmrun_custom_completion ---completion remove-saved-state -- --host (count (__vmrun_tokens -pc)) (__vmrun_tokens -tC))'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun remove-saved-state" n no-stdin' -s 'n' -l 'no-stdin' -d 'Read no records from stdin (use it inside `while read` loops, whose input is not for nestvm).'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun remove-saved-state" passthru' -l 'passthru' -d 'Print the changed objects as records, so a pipeline can go on.'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun remove-saved-state" stop-on-error' -l 'stop-on-error' -d 'Stop at the first object that fails instead of going on with the rest.'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun remove-saved-state" format' -l 'format' -d 'Format of what --passthru prints: json, table, list or tsv (default: table on a terminal, else json).' -rfka 'json table list tsv'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_positional "vmrun remove-saved-state" -ge 1' -fka '(__vmrun_custom_completion ---completion remove-saved-state -- positional@0 (count (__vmrun_tokens -pc)) (__vmrun_tokens -tC))'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun remove-saved-state"' -l 'vm-name' -d 'A VM to act on (repeatable; the same as naming it).' -rfka '(__vmrun_custom_completion ---completion remove-saved-state -- --vm-name (count (__vmrun_tokens -pc)) (__vmrun_tokens -tC))'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun remove-saved-state" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun update-version" state-dir' -l 'state-dir' -d 'The state directory (default: $NESTVM_HOME, else ${XDG_STATE_HOME:-~/.local/state}/nestvm).' -rfa '(__vmrun_complete_directories)'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun update-version" computer-name host' -l 'host' -l 'computer-name' -d 'Act inside this VM\'s inventory (a VM running a hypervisor), or lab1/nested1 for deeper levels (default: $NESTVM_HOST, else localhost).' -rfka '(__vmrun_custom_completion ---completion update-version -- --host (count (__vmrun_tokens -pc)) (__vmrun_tokens -tC))'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun update-version" n no-stdin' -s 'n' -l 'no-stdin' -d 'Read no records from stdin (use it inside `while read` loops, whose input is not for nestvm).'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun update-version" passthru' -l 'passthru' -d 'Print the changed objects as records, so a pipeline can go on.'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun update-version" stop-on-error' -l 'stop-on-error' -d 'Stop at the first object that fails instead of going on with the rest.'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun update-version" format' -l 'format' -d 'Format of what --passthru prints: json, table, list or tsv (default: table on a terminal, else json).' -rfka 'json table list tsv'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_positional "vmrun update-version" -ge 1' -fka '(__vmrun_custom_completion ---completion update-version -- positional@0 (count (__vmrun_tokens -pc)) (__vmrun_tokens -tC))'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun update-version"' -l 'vm-name' -d 'A VM to act on (repeatable; the same as naming it).' -rfka '(__vmrun_custom_completion ---completion update-version -- --vm-name (count (__vmrun_tokens -pc)) (__vmrun_tokens -tC))'
complete -c 'vmrun' -n '__vmrun_should_offer_completions_for_flags_or_options "vmrun update-version" h help' -s 'h' -l 'help' -d 'Show help information.'
