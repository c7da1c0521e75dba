"""Story templates (issue 15): how a subscription's stories look.

    language.py  the template language: {field}, {a|b|"text"}, {field:200}, {{ }}; parse errors say where
    values.py    an article as the values of the fields (never raises on odd data)
    styled.py    a story post in a style: today's embed, an embed with a templated description, plain text,
                 a Components V2 card (large image) or compact card (thumbnail), within Discord's limits
    service.py   StoryTemplates: preview and save for /feed template, present for the publisher
"""
