# Shell helpers shared by the test and benchmark scripts; source it.

# free_port prints a loopback TCP port that nothing accepts on.
free_port() {
	local i p
	for i in $(seq 50); do
		p=$((20000 + RANDOM % 40000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	echo "no free loopback port" >&2
	return 1
}

# need_packages NAME COMMAND PACKAGE [COMMAND PACKAGE …] installs, with
# apt-get, the Debian packages whose command is missing (as root), or says
# what to install and fails. NAME prefixes the messages.
need_packages() {
	local name=$1 missing=()
	shift
	while (($# >= 2)); do
		command -v "$1" >/dev/null || missing+=("$2")
		shift 2
	done
	((${#missing[@]} == 0)) && return 0
	if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
		echo "$name: installing ${missing[*]}" >&2
		apt-get update -qq >/dev/null
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
	else
		echo "$name: missing ${missing[*]}; install with apt-get install -y ${missing[*]}" >&2
		return 1
	fi
}
