"""The scene level, after the selection: shots grouped into scenes and both written as lists.

    setting_changes.py  shots -> scenes: which shot boundaries change the setting
    lists.py            changes -> scene lists (CSV, JSON) and the settings' lists; `python -m scenes`
                        prints both levels of a results folder
    thumbnails.py       a thumbnail of each scene's first frame
"""
