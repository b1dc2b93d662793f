/*
 * common/logusage.h -- the usage of `aksup log`, shared by the supervisor
 * (supervisor/cli_log.c) and aksup-log (logview/main.c), so that a usage
 * error either of them finds shows the command the operator typed.
 *
 * Runs in: aksup (supervisor) and aksup-log. Privilege: n/a (text only).
 */
#ifndef AKSUP_COMMON_LOGUSAGE_H
#define AKSUP_COMMON_LOGUSAGE_H

#define AKSUP_LOG_USAGE \
    "aksup log [--log-path F] [--status S] [--action A] [--session ID]\n" \
    "          [--since TIME] [--until TIME] [--record-id ID] [--limit N]\n" \
    "          [--json] [--follow]\n" \
    "       aksup log verify [--log-path F] [--key FILE]... [--allow-open]\n" \
    "                        [--allow-crashed]"

#endif
