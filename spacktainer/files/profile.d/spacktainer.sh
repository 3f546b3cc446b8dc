# Loaded by login shells inside the container: the Spack view first on the search paths.
export PATH=/opt/view/bin:$PATH
export MANPATH=/opt/view/share/man:${MANPATH:-}
