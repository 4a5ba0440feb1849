<?php
// A PHP frontend of the weir health API: prints each process's status and the Mermaid
// diagram's first line, and pushes a heartbeat when asked.
//
//   php status.php http://127.0.0.1:8000/api/health
//   php status.php http://127.0.0.1:8000/api/health push nightly_job TOKEN
//
// Exit code: 0 no process failed, 1 a process failed, 2 the API could not be used.

declare(strict_types=1);

function api(string $method, string $url, array $headers = []): array
{
    $context = stream_context_create(['http' => [
        'method' => $method,
        'header' => implode("\r\n", array_merge(['Accept: application/json'], $headers)),
        'timeout' => 5,
        'ignore_errors' => true, // read the error envelope of 4xx/5xx answers
    ]]);
    $body = @file_get_contents($url, false, $context);
    if ($body === false) {
        fwrite(STDERR, "health API unreachable: $url\n");
        exit(2);
    }
    $envelope = json_decode($body, true);
    if (!is_array($envelope) || ($envelope['status'] ?? '') !== 'ok') {
        $error = $envelope['error'] ?? ['code' => 'bad_response', 'message' => substr($body, 0, 200)];
        fwrite(STDERR, "error {$error['code']}: {$error['message']}\n");
        exit(2);
    }
    return $envelope;
}

$base = rtrim($argv[1] ?? 'http://127.0.0.1:8000/api/health', '/');

if (($argv[2] ?? '') === 'push') {
    $check = rawurlencode($argv[3] ?? '');
    $token = $argv[4] ?? '';
    $pushed = api('POST', "$base/v1/push/$check", ["Authorization: Bearer $token"]);
    echo "pushed {$pushed['data']['check_id']} at {$pushed['data']['pushed_at']}\n";
    exit(0);
}

$status = api('GET', "$base/v1/status")['data'];
printf("%s: %s\n", $status['pipeline'], strtoupper($status['status']));
$failed = 0;
foreach ($status['processes'] as $process) {
    $cause = $process['root_cause'] ? " (caused by {$process['root_cause']})" : '';
    printf("  %-12s %-8s %s%s\n", $process['id'], $process['status'], $process['name'], $cause);
    $failed += $process['status'] === 'failed' ? 1 : 0;
}
$diagram = api('GET', "$base/v1/diagram")['data']['mermaid'];
echo 'diagram: ' . strtok($diagram, "\n") . ', ' . substr_count($diagram, "\n") . " lines\n";
exit($failed > 0 ? 1 : 0);
