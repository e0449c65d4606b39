# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Internal to the collection: may change in any release without notice.
"""Files written whole: the configuration backups and the role's reports."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os


def write_file_atomically(path, text, mode):
    """Replace ``path`` whole: a reader never sees half a file, and a failure leaves the old one."""
    import tempfile  # here, not at the top: only backups and reports write files (module start-up)

    handle, temporary = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".", suffix=".tmp")
    try:
        with os.fdopen(handle, "w") as stream:
            stream.write(text)
        os.chmod(temporary, mode)
        os.rename(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
    return path
