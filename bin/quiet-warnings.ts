// Imported first by the CLI's entry, before anything loads the AWS SDK: keeps process warnings
// that are noise for a local tool off the terminal.
//
// The AWS SDK warns on every Node 20 run that its releases from 2027 need Node 22. Tollgate
// supports Node >= 20.11 (package.json engines) and pins its SDK through package-lock.json; the
// SDK's own opt-out variable turns the notice off. A value the user set is kept.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
