"""Arabic and English names of the marketplace's standard categories, by slug.

The import gives these names to the categories it creates. A category
created for any other slug is named after the slug until staff rename it.
"""

STANDARD_CATEGORIES = {
    "design": ("تصميم", "Design"),
    "writing-translation": ("كتابة وترجمة", "Writing and translation"),
    "programming": ("برمجة", "Programming"),
    "marketing": ("تسويق", "Marketing"),
    "audio-video": ("صوتيات وفيديو", "Audio and video"),
    "imported": ("مستورد", "Imported"),
}
